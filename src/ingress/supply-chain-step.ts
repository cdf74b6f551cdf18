import type { ServiceConfig } from "../config/types.js";
import type { PushEvent } from "../core/push-event.js";
import type { KvStore } from "../kv/kv-store.js";
import type { TagDecision } from "../state/desired-tag-writer.js";
import { writePinnedTag, type PinnedWrite } from "../supply-chain/pinned-tag-writer.js";
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

/** The tag and its digest in one transaction; a result shaped like `writeDesiredTag`'s. */
export async function writeDesired(
  kv: KvStore,
  service: ServiceConfig,
  tag: string,
  digest: string,
  decide: (current: string | undefined) => TagDecision,
): Promise<PinnedWrite> {
  const digestKey = service.supplyChain?.digestKey;
  if (digestKey === undefined) throw new Error(`service ${service.name} does not pin digests`);
  return writePinnedTag(
    kv,
    { tag: service.key, digest: digestKey, service: service.name },
    { tag, digest },
    decide,
  );
}

/** `digest` and `previousDigest` of a pinned write, for history and replies. */
export function digestFields(result: object): { digest?: string; previousDigest?: string } {
  const r = result as { digest?: unknown; previousDigest?: unknown };
  return {
    ...(typeof r.digest === "string" && { digest: r.digest }),
    ...(typeof r.previousDigest === "string" && { previousDigest: r.previousDigest }),
  };
}
