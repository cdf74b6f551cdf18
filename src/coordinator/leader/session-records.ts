import type { Clock } from "../../core/clock.js";
import type { KvStore } from "../../kv/kv-store.js";
import { LeadershipLostError } from "./leadership.js";
import { rolloutKey } from "../../state/kv-layout.js";
import { parseRolloutRecord, type RolloutRecord } from "../model/index.js";

/** Reads and writes `tagroll/rollouts/<service>`. */
export interface RolloutRecords {
  load(service: string): Promise<RolloutRecord | undefined>;
  /** Persists the record; throws LeadershipLostError when another instance owns it now. */
  save(record: RolloutRecord): Promise<void>;
}

/** How long a save keeps trying while a free key is still under a previous session's lock-delay. */
const LOCK_DELAY_PATIENCE_MS = 5_000;

/**
 * The leader's writer: every save is a lock `acquire` with the leader's own session, so a save
 * from an instance that has lost its session — or whose record another leader has taken over —
 * fails instead of overwriting the new leader's progress. One round trip per step. The save
 * before a restart is therefore also the last leadership check before it.
 */
export class SessionRolloutRecords implements RolloutRecords {
  private readonly held = new Set<string>();

  constructor(
    private readonly kv: KvStore,
    private readonly session: string,
    private readonly clock: Clock,
  ) {}

  load(service: string): Promise<RolloutRecord | undefined> {
    return loadRecord(this.kv, service);
  }

  async save(record: RolloutRecord): Promise<void> {
    const key = rolloutKey(record.service);
    const value = JSON.stringify(record);
    const giveUpAt = this.clock.now() + LOCK_DELAY_PATIENCE_MS;
    while (!(await this.kv.acquire(key, value, this.session))) {
      const entry = await this.kv.get(key);
      if (entry?.session) throw new LeadershipLostError(`${key} is held by another session`);
      if (!(await this.kv.renewSession(this.session))) throw new LeadershipLostError("session expired");
      // A free key refuses a live session only during the lock-delay that follows the previous
      // holder's session ending (Consul docs, "Sessions"): wait it out.
      if (this.clock.now() > giveUpAt) throw new LeadershipLostError(`${key} stayed locked`);
      await this.clock.sleep(250);
    }
    this.held.add(key);
  }

  /** Releases every record this session locked, so the next leader need not wait for lock-delay. */
  async releaseAll(): Promise<void> {
    for (const key of this.held) await this.kv.release(key, this.session).catch(() => false);
    this.held.clear();
  }
}

export async function loadRecord(kv: KvStore, service: string): Promise<RolloutRecord | undefined> {
  const entry = await kv.get(rolloutKey(service));
  return entry ? parseRolloutRecord(entry.value) : undefined;
}
