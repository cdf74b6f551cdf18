import { systemClock, type Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { deliveryKey, folderPrefix, STATE_ROOT } from "./kv-layout.js";

export interface DeliveryStoreOptions {
  root?: string;
  clock?: Clock;
}

interface DeliveryRecord {
  source: string;
  deliveryId: string;
  /** Epoch milliseconds when first seen. */
  at: number;
}

/**
 * Dedupe records for webhook deliveries at `tagroll/deliveries/<sha256(source, id)>` (see
 * kv-layout.ts). Creation is a `cas=0` write, so of two concurrent identical deliveries exactly one is "first".
 */
export class DeliveryStore {
  private readonly root: string;
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(
    private readonly kv: KvStore,
    options: DeliveryStoreOptions = {},
  ) {
    this.root = options.root ?? STATE_ROOT;
    this.prefix = folderPrefix("deliveries", this.root);
    this.clock = options.clock ?? systemClock;
  }

  /** Records the delivery; true the first time, false when it was already seen. */
  async markSeen(source: string, deliveryId: string): Promise<boolean> {
    const record: DeliveryRecord = { source, deliveryId, at: this.clock.now() };
    return this.kv.set(this.key(source, deliveryId), JSON.stringify(record), { cas: 0 });
  }

  /** Whether the delivery was recorded, without recording it (read only). */
  async has(source: string, deliveryId: string): Promise<boolean> {
    return (await this.kv.get(this.key(source, deliveryId))) !== undefined;
  }

  /**
   * Deletes records first seen more than `olderThanMs` ago (and unreadable ones, which only we
   * write); resolves how many went. Each delete is a CAS so a record rewritten meanwhile stays.
   */
  async expire(olderThanMs: number): Promise<number> {
    const cutoff = this.clock.now() - olderThanMs;
    const { entries } = await this.kv.list(this.prefix);
    let removed = 0;
    for (const entry of entries) {
      const at = readAt(entry.value);
      if (at !== undefined && at >= cutoff) continue;
      if (await this.kv.delete(entry.key, { cas: entry.modifyIndex })) removed++;
    }
    return removed;
  }

  private key(source: string, deliveryId: string): string {
    return deliveryKey(source, deliveryId, this.root);
  }
}

function readAt(value: string): number | undefined {
  try {
    const at = (JSON.parse(value) as Partial<DeliveryRecord>).at;
    return typeof at === "number" && Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}
