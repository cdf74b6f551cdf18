import type { TagrollConfig } from "../../../src/config/types.js";
import { startRuntime, type Runtime } from "../../../src/runtime/runtime.js";
import { createAdminToken, type Scope } from "../../../src/tokens/index.js";
import { capturingLogger, loadTestConfig, newSigningKeys } from "../../helpers/tagroll.js";

/**
 * tagroll in-process exactly as `tagroll serve` runs it (the admin API is a built-in surface of
 * the runtime), real Consul and Nomad from the shared agents, and every log line kept in memory.
 */
export interface ApiTagroll {
  url: string;
  config: TagrollConfig;
  runtime: Runtime;
  /** The TAGROLL_SIGNING_KEYS value the server uses (children can mint with the same keys). */
  signingKeys: string;
  token(scopes: Scope[], subject?: string, expiresIn?: number): Promise<{ token: string; jti: string }>;
  logs(): string[];
  close(): Promise<void>;
}

export async function startApiTagroll(
  yaml: string,
  options: { coordinator?: boolean } = {},
): Promise<ApiTagroll> {
  const signingKeys = newSigningKeys("k1");
  const loaded = loadTestConfig({
    yaml,
    coordinator: options.coordinator ?? false,
    env: { TAGROLL_SIGNING_KEYS: signingKeys },
  });
  const config: TagrollConfig = { ...loaded, server: { ...loaded.server, port: 0 } };
  const { log, lines } = capturingLogger();
  // The admin API is one of the runtime's built-in surfaces, mounted as `tagroll serve` mounts it.
  const runtime = await startRuntime({ config, log });
  return {
    url: runtime.url,
    config,
    runtime,
    signingKeys,
    token: (scopes, subject = "test", expiresIn = 600) =>
      createAdminToken(config.keys, config.activeKeyId, { subject, scopes, expiresIn }),
    logs: () => [...lines],
    close: () => runtime.close(),
  };
}

/** A short unique suffix for service names, job ids and keys. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}
