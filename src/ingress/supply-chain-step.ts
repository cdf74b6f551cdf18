import type { ServiceConfig } from "../config/types.js";
import type { PushEvent } from "../core/push-event.js";
import type { DigestPin } from "../supply-chain/digest-pin.js";
import type { Admission, SupplyChainGate } from "../supply-chain/supply-chain-gate.js";

/**
 * The ingress's supply-chain step (README, "Supply chain"): for a service that pins digests, the
 * push's digest and signature verdict; undefined for a service that does not.
 */
export async function admitPush(
  gate: SupplyChainGate | undefined,
  service: ServiceConfig,
  event: Pick<PushEvent, "tag" | "digest">,
): Promise<Admission | undefined> {
  if (service.supplyChain?.digestKey === undefined) return undefined;
  if (!gate) throw new Error(`service ${service.name} pins digests but no registry gate is configured`);
  return gate.admit(service, event.tag, event.digest);
}

/** The digest to write beside `tag` for a service that pins digests. */
export function pinOf(service: ServiceConfig, tag: string, digest: string): DigestPin | undefined {
  const key = service.supplyChain?.digestKey;
  return key === undefined ? undefined : { tag, digest, key, service: service.name };
}
