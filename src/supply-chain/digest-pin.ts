import { randomUUID } from "node:crypto";
import type { RestartRequest } from "../coordinator/index.js";
import type { KvTxnOp } from "../kv/kv-store.js";
import { requestKey } from "../state/kv-layout.js";
import { TAGROLL_WRITE_FLAGS, type TagDecision } from "../state/desired-tag-writer.js";

/**
 * A digest written beside its tag in the same Consul transaction (README, "Digests"), so the two
 * keys never disagree. src/ingress/push-write.ts (webhooks) and pinned-tag-writer.ts (polling)
 * both build their transactions with these helpers.
 */
export interface DigestPin {
  /** The tag being pushed. */
  tag: string;
  digest: string;
  /** KV key of the digest, e.g. `configs/web/IMAGE_DIGEST`. */
  key: string;
  service: string;
}

/**
 * The same tag with a new digest is a new desired value (a mutable tag was re-pushed) and needs
 * no policy; the same tag and digest is a duplicate; any other tag is up to the policy.
 */
export function pinnedDecision(
  decision: TagDecision,
  current: string | undefined,
  currentDigest: string | undefined,
  pin: DigestPin,
): TagDecision {
  if (current !== pin.tag) return decision;
  return currentDigest === pin.digest ? { skip: "already the desired value" } : { write: pin.tag };
}

/**
 * The digest's compare-and-set, and — when the tag key keeps its value, so the coordinator would
 * see no change — a rolling restart request (src/coordinator/model/restart-request.ts) that
 * restarts the allocations onto the new digest, health-gated like any rollout.
 */
export function pinOps(pin: DigestPin, digestIndex: number, sameTag: boolean, now: number): KvTxnOp[] {
  const ops: KvTxnOp[] = [
    { verb: "cas", key: pin.key, value: pin.digest, index: digestIndex, flags: TAGROLL_WRITE_FLAGS },
  ];
  if (sameTag) {
    const request: RestartRequest = { id: randomUUID(), kind: "restart", requestedAt: now, by: "digest" };
    ops.push({ verb: "set", key: requestKey(pin.service), value: JSON.stringify(request) });
  }
  return ops;
}
