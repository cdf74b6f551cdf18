import { systemClock, type Clock } from "../core/clock.js";
import type { KvStore, KvTxnOp } from "../kv/kv-store.js";
import { deliveryKey, folderPrefix, STATE_ROOT } from "./kv-layout.js";

export interface DeliveryStoreOptions {
  root?: string;
  clock?: Clock;
}

interface DeliveryRecord {
  service: string;
  source: string;
  deliveryId: string;
  /** Epoch milliseconds when first seen. */
  at: number;
}

/**
 * Dedupe records for webhook deliveries at `tagroll/deliveries/<service>/<sha256(source, id)>`
 * (see kv-layout.ts): a delivery is remembered per service, so one registry event sent to two
 * services' URLs deploys both. Creation is a `cas=0` write, so of two concurrent identical
 * deliveries exactly one is "first".
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
    // Listed recursively by expire(): this also sweeps records from before they were per service.
    this.prefix = folderPrefix("deliveries", this.root);
    this.clock = options.clock ?? systemClock;
  }

  /** Records the delivery to `service`; true the first time, false when it was already seen. */
  async markSeen(service: string, source: string, deliveryId: string): Promise<boolean> {
    const record: DeliveryRecord = { service, source, deliveryId, at: this.clock.now() };
    return this.kv.set(this.key(service, source, deliveryId), JSON.stringify(record), { cas: 0 });
  }

  /**
   * The two transaction ops of `markSeen` for a webhook's one Consul transaction
   * (src/ingress/push-write.ts): `check` fails the transaction when the delivery was recorded
   * before; `create` records it, so the decision and its record commit together or not at all.
   */
  prepare(service: string, source: string, deliveryId: string): { check: KvTxnOp; create: KvTxnOp } {
    const key = this.key(service, source, deliveryId);
    const record: DeliveryRecord = { service, source, deliveryId, at: this.clock.now() };
    return {
      check: { verb: "check-not-exists", key },
      create: { verb: "cas", key, value: JSON.stringify(record), index: 0 },
    };
  }

  /** Whether the delivery to `service` was recorded, without recording it (read only). */
  async has(service: string, source: string, deliveryId: string): Promise<boolean> {
    return (await this.kv.get(this.key(service, source, deliveryId))) !== undefined;
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

  private key(service: string, source: string, deliveryId: string): string {
    return deliveryKey(service, source, deliveryId, this.root);
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
