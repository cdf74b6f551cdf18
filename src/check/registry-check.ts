import type { ServiceConfig, TagrollConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { RegistryAuthError, RegistryError, RegistryNotFoundError } from "../registry/registry-errors.js";
import { RegistryPool } from "../supply-chain/registry-pool.js";
import { SupplyChainGate } from "../supply-chain/supply-chain-gate.js";
import type { Finding } from "./finding.js";

/**
 * `tagroll check` for services that use a registry (digest, verify, poll, prune; README, "Supply
 * chain"): the registry answers with our credentials, the repository exists, and the desired
 * tag's current digest carries a signature by a configured key.
 */
export async function checkRegistries(
  config: TagrollConfig,
  deps: { kv: KvStore; clock: Clock; log: Logger },
): Promise<Finding[]> {
  const services = config.services.filter((s) => s.supplyChain !== undefined);
  if (services.length === 0) return [];
  const pool = new RegistryPool({ registries: config.registries ?? [], clock: deps.clock, log: deps.log });
  try {
    const gate = new SupplyChainGate(pool);
    const findings: Finding[] = [];
    for (const service of services) findings.push(...(await checkService(service, pool, gate, deps.kv)));
    return findings;
  } finally {
    await pool.close();
  }
}

async function checkService(
  service: ServiceConfig,
  pool: RegistryPool,
  gate: SupplyChainGate,
  kv: KvStore,
): Promise<Finding[]> {
  const finding = (message: string): Finding => ({
    level: "error",
    rule: "registry",
    service: service.name,
    message,
  });
  const { registry, repository } = pool.forImage(service.image);
  try {
    await registry.listTags(repository);
  } catch (error) {
    if (error instanceof RegistryAuthError) {
      return [
        finding(
          `auth: ${error.message}; set registries[].username and passwordFile/passwordEnv for ${registry.host}`,
        ),
      ];
    }
    if (error instanceof RegistryNotFoundError)
      return [finding(`unknown repository ${repository} on ${registry.host}`)];
    if (error instanceof RegistryError) return [finding(error.message)];
    throw error;
  }
  const current = (await kv.get(service.key).catch(() => undefined))?.value;
  if (current === undefined || !service.supplyChain?.publicKeys.length) return [];
  try {
    const admission = await gate.admit(service, current);
    return admission.admitted ? [] : [finding(`current tag ${current}: ${admission.reason}`)];
  } catch (error) {
    if (error instanceof RegistryError) return [finding(error.message)];
    throw error;
  }
}
