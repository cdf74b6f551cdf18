import type { Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { recordEvents } from "../coordinator/index.js";
import type { RolloutEvent } from "../coordinator/index.js";
import { FINAL_STATUSES, parseRolloutRecord, type RolloutRecord } from "../coordinator/index.js";
import { rolloutKey } from "../state/kv-layout.js";
import { TokenBucket } from "../coordinator/index.js";
import { nextWatchIndex } from "../coordinator/index.js";

export interface FollowOptions {
  /** A rollout id to ignore: the record that was there before the deploy (DeployResult.rolloutBefore). */
  after?: string;
  /** Stop following (the generator returns) when this aborts. */
  signal?: AbortSignal;
  /** Blocking-query wait per read; default 60 s. */
  waitMs?: number;
}

/**
 * Follows `tagroll/rollouts/<service>` with blocking queries and yields the progress of the
 * first rollout other than `after`, allocation by allocation, until it ends (`deploy --wait`,
 * `restart --wait`). Works from any process: the leader may run elsewhere. Intermediate steps
 * written between two reads are merged into the newest state.
 */
export async function* followRollout(
  kv: KvStore,
  clock: Clock,
  service: string,
  options: FollowOptions = {},
): AsyncGenerator<RolloutEvent> {
  const key = rolloutKey(service);
  const bucket = new TokenBucket(clock, 5, 10);
  let index = 0;
  let last: RolloutRecord | undefined;
  while (!options.signal?.aborted) {
    try {
      await bucket.take(options.signal);
      const answer = await kv.watchList(key, index, options.waitMs ?? 60_000, options.signal);
      index = nextWatchIndex(index, answer.index);
      const entry = answer.entries.find((e) => e.key === key);
      const record = entry ? parseRolloutRecord(entry.value) : undefined;
      if (!record || record.id === options.after || record.kind === "adopted") continue;
      yield* recordEvents(last, record, clock.now());
      last = record;
      if (FINAL_STATUSES.has(record.status)) return;
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
  }
}
