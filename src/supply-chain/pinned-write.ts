import type { Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { casRetry } from "../state/cas-retry.js";
import { TAGROLL_WRITE_FLAGS, type DesiredTagWrite } from "../state/desired-tag-writer.js";

/**
 * An operator's write of `tag` with a known digest (a rollback to a value whose digest history
 * recorded, or autoRevert's write of the previous value): both keys in one Consul transaction, each compare-and-set on the index read, so they
 * never disagree (README, "Supply chain"). The same tag and digest already there is skipped.
 */
export async function writePinnedTag(
  kv: KvStore,
  key: string,
  tag: string,
  digest: { key: string; value: string },
  clock: Clock,
  /** Write only while the tag key holds this value (autoRevert: the failing value). */
  onlyFrom?: string,
): Promise<DesiredTagWrite> {
  return casRetry(`write ${key}`, { clock }, async () => {
    const [current, pinned] = await Promise.all([kv.get(key), kv.get(digest.key)]);
    if (onlyFrom !== undefined && current?.value !== onlyFrom) {
      return { outcome: "skipped" as const, reason: "the key changed", current: current?.value };
    }
    if (current?.value === tag && pinned?.value === digest.value) {
      return { outcome: "skipped" as const, reason: "already the desired value", current: tag };
    }
    const result = await kv.txn([
      { verb: "cas", key, value: tag, index: current?.modifyIndex ?? 0, flags: TAGROLL_WRITE_FLAGS },
      {
        verb: "cas",
        key: digest.key,
        value: digest.value,
        index: pinned?.modifyIndex ?? 0,
        flags: TAGROLL_WRITE_FLAGS,
      },
    ]);
    return result.committed
      ? { outcome: "written" as const, previous: current?.value, value: tag }
      : undefined;
  });
}
