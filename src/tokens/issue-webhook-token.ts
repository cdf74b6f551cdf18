import type { SigningKey } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { TokenRegistry } from "./token-registry.js";
import { createWebhookToken } from "./webhook-token.js";

/**
 * Creates a webhook token and records it in the registry (what `token create` and the API call).
 * The token is returned only after the record is written, so no token exists that `token list`
 * cannot show; if Consul is down the error propagates and the token is never handed out.
 */
export async function issueWebhookToken(options: {
  keys: readonly SigningKey[];
  activeKid: string;
  service: string;
  clock: Clock;
  registry: TokenRegistry;
}): Promise<{ token: string; jti: string; iat: number }> {
  const { keys, activeKid, service, clock, registry } = options;
  const { token, jti, iat } = await createWebhookToken(keys, activeKid, service, clock);
  await registry.record({ jti, service, kid: activeKid, iat });
  return { token, jti, iat };
}
