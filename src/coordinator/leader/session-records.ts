import type { Clock } from "../../core/clock.js";
import type { KvStore } from "../../kv/kv-store.js";
import { LeadershipLostError } from "./leadership.js";
import { folderPrefix, rolloutKey } from "../../state/kv-layout.js";
import { parseRolloutRecord, type RolloutRecord } from "../model/index.js";
import { LockBatches, unlockAll } from "./record-batches.js";

/** Reads and writes `tagroll/rollouts/<service>`. */
export interface RolloutRecords {
  load(service: string): Promise<RolloutRecord | undefined>;
  /** Persists the record; throws LeadershipLostError when another instance owns it now. */
  save(record: RolloutRecord): Promise<void>;
}

/** How long a save keeps trying while a free key is still under a previous session's lock-delay. */
const LOCK_DELAY_PATIENCE_MS = 5_000;

/**
 * The leader's records for one term. Every save is a lock `acquire` with the leader's own
 * session, so a save from an instance that has lost its session — or whose record another
 * leader has taken over — fails instead of overwriting the new leader's progress. The save
 * before a restart is therefore also the last leadership check before it.
 *
 * Only the leader writes these keys, and only through here, so the term reads them all once
 * (one recursive read of `tagroll/rollouts/`) and keeps what it writes: a load costs no round
 * trip, which is what keeps the reconcile sweep and the first sight of 10,000 services cheap
 * (BENCHMARKS.md, "Scale"); the sweep reads them all again once a round (`refresh`). Saves
 * made while others are queued share transactions (`LockBatches`).
 */
export class SessionRolloutRecords implements RolloutRecords {
  /** Key → the JSON it holds: read at the start of the term, then what this term wrote. */
  private values: Promise<Map<string, string>> | undefined;
  private readonly held = new Map<string, string>();
  private readonly locks: LockBatches;
  /** Keys saved while a `refresh` reads: its older answer must not overwrite them. */
  private readonly savedDuringRefresh = new Set<Set<string>>();

  constructor(
    private readonly kv: KvStore,
    private readonly session: string,
    private readonly clock: Clock,
  ) {
    this.locks = new LockBatches(kv, session);
  }

  async load(service: string): Promise<RolloutRecord | undefined> {
    const value = (await this.all()).get(rolloutKey(service));
    return value === undefined ? undefined : parseRolloutRecord(value);
  }

  async save(record: RolloutRecord): Promise<void> {
    const values = await this.all();
    const key = rolloutKey(record.service);
    const value = JSON.stringify(record);
    const giveUpAt = this.clock.now() + LOCK_DELAY_PATIENCE_MS;
    let locked = await this.locks.acquire(key, value);
    while (!locked) {
      const entry = await this.kv.get(key);
      if (entry?.session) throw new LeadershipLostError(`${key} is held by another session`);
      if (!(await this.kv.renewSession(this.session))) throw new LeadershipLostError("session expired");
      // A free key refuses a live session only during the lock-delay that follows the previous
      // holder's session ending (Consul docs, "Sessions"): wait it out.
      if (this.clock.now() > giveUpAt) throw new LeadershipLostError(`${key} stayed locked`);
      await this.clock.sleep(250);
      locked = await this.kv.acquire(key, value, this.session);
    }
    values.set(key, value);
    this.held.set(key, value);
    for (const saved of this.savedDuringRefresh) saved.add(key);
  }

  /**
   * Reads every record again and keeps Consul's answer, except for keys this term saved while
   * the read was under way. The reconcile sweep calls it once a round, so a record changed
   * behind the leader's back (by hand, or a rollout left `running`) is still found.
   */
  async refresh(): Promise<void> {
    const values = await this.all();
    const saved = new Set<string>();
    this.savedDuringRefresh.add(saved);
    try {
      const { entries } = await this.kv.list(folderPrefix("rollouts"));
      const fresh = new Map(entries.map((entry) => [entry.key, entry.value]));
      for (const key of new Set([...values.keys(), ...fresh.keys()])) {
        if (saved.has(key)) continue;
        const value = fresh.get(key);
        if (value === undefined) values.delete(key);
        else values.set(key, value);
      }
    } finally {
      this.savedDuringRefresh.delete(saved);
    }
  }

  /** Releases every record this session locked, so the next leader need not wait for lock-delay. */
  async releaseAll(): Promise<void> {
    await unlockAll(this.kv, this.session, this.held);
    this.held.clear();
  }

  private all(): Promise<Map<string, string>> {
    this.values ??= this.kv.list(folderPrefix("rollouts")).then(
      ({ entries }) => new Map(entries.map((entry) => [entry.key, entry.value])),
      (err: unknown) => {
        this.values = undefined;
        throw err;
      },
    );
    return this.values;
  }
}

export async function loadRecord(kv: KvStore, service: string): Promise<RolloutRecord | undefined> {
  const entry = await kv.get(rolloutKey(service));
  return entry ? parseRolloutRecord(entry.value) : undefined;
}
