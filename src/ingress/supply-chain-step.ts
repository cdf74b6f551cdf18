import type { ServiceConfig } from "../config/types.js";
import type { PushEvent } from "../core/push-event.js";
import type { DigestPin } from "../supply-chain/digest-pin.js";
import { withDigestHint } from "../supply-chain/digest-unavailable.js";
import type { Admission, SupplyChainGate } from "../supply-chain/supply-chain-gate.js";

/**
 * The ingress's supply-chain step (README, "Supply chain"): for a service that pins digests (all
 * but those with `digest: false`), the push's digest and signature verdict; undefined for the
 * others. A registry fault throws a 503 that says what to fix.
 */
export async function admitPush(
  gate: SupplyChainGate | undefined,
  service: ServiceConfig,
  event: Pick<PushEvent, "tag" | "digest">,
): Promise<Admission | undefined> {
  if (service.supplyChain?.digestKey === undefined) return undefined;
  if (!gate) throw new Error(`service ${service.name} pins digests but no registry gate is configured`);
  try {
    return await gate.admit(service, event.tag, event.digest);
  } catch (error) {
    throw withDigestHint(error, service);
  }
}

/** The digest to write beside `tag` for a service that pins digests. */
export function pinOf(service: ServiceConfig, tag: string, digest: string): DigestPin | undefined {
  const key = service.supplyChain?.digestKey;
  return key === undefined ? undefined : { tag, digest, key, service: service.name };
}
