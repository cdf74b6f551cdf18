import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../core/clock.js";
import type { RestartRequest } from "../coordinator/index.js";
import type { KvStore, KvWrite } from "../kv/kv-store.js";
import { requestKey } from "../state/kv-layout.js";
import { casRetry } from "../state/cas-retry.js";
import { TAGROLL_WRITE_FLAGS, type TagDecision } from "../state/desired-tag-writer.js";

export type PinnedWrite =
  | {
      outcome: "written";
      value: string;
      digest: string;
      previous: string | undefined;
      previousDigest: string | undefined;
    }
  | { outcome: "skipped"; reason: string; current: string | undefined };

/**
 * Writes the tag and its digest together in one Consul transaction, each with a compare-and-set
 * on its ModifyIndex, so the two keys never disagree (README, "Digests"). Like `writeDesiredTag`
 * it re-reads and re-decides after a lost round. The same tag with a new digest is a new desired
 * value (a mutable tag was re-pushed) and skips the tag policy; the same tag and digest is a
 * duplicate. As the tag key does not change then, the same transaction also writes a rolling
 * restart request for `keys.service` (src/coordinator/model/restart-request.ts), so the
 * coordinator restarts the allocations onto the new digest, health-gated like any rollout.
 */
export async function writePinnedTag(
  kv: KvStore,
  keys: { tag: string; digest: string; service?: string },
  want: { tag: string; digest: string },
  decide: (current: string | undefined) => TagDecision | Promise<TagDecision>,
  options: { clock?: Clock } = {},
): Promise<PinnedWrite> {
  const setAll = kv.setAll?.bind(kv);
  if (!setAll) throw new Error("this KV store cannot write several keys in one transaction");
  return casRetry(`write ${keys.tag} + ${keys.digest}`, { clock: options.clock ?? systemClock }, async () => {
    const [tagEntry, digestEntry] = await Promise.all([kv.get(keys.tag), kv.get(keys.digest)]);
    const current = tagEntry?.value;
    const currentDigest = digestEntry?.value;
    if (current === want.tag && currentDigest === want.digest) {
      return { outcome: "skipped", reason: "already the desired value", current };
    }
    if (current !== want.tag) {
      const decision = await decide(current);
      if ("skip" in decision) return { outcome: "skipped", reason: decision.skip, current };
    }
    const writes: KvWrite[] = [
      { key: keys.tag, value: want.tag, cas: tagEntry?.modifyIndex ?? 0, flags: TAGROLL_WRITE_FLAGS },
      {
        key: keys.digest,
        value: want.digest,
        cas: digestEntry?.modifyIndex ?? 0,
        flags: TAGROLL_WRITE_FLAGS,
      },
    ];
    if (current === want.tag && keys.service !== undefined) {
      const now = (options.clock ?? systemClock).now();
      const request: RestartRequest = { id: randomUUID(), kind: "restart", requestedAt: now, by: "digest" };
      writes.push({ key: requestKey(keys.service), value: JSON.stringify(request) });
    }
    const written = await setAll(writes);
    if (!written) return undefined;
    return {
      outcome: "written",
      value: want.tag,
      digest: want.digest,
      previous: current,
      previousDigest: currentDigest,
    };
  });
}
