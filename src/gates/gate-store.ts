import type { Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { casRetry } from "../state/cas-retry.js";
import { gateKey } from "../state/kv-layout.js";
import { parseGateRecord, type GateRecord } from "./gate-record.js";

/**
 * Reads and changes `tagroll/gates/<service>`. Every change is a compare-and-set on the key's
 * ModifyIndex, redone from a fresh read when another writer got in first: two approvers at
 * once both count, and an approval never races the leader's release into a lost update.
 */
export class GateStore {
  constructor(
    private readonly kv: KvStore,
    private readonly clock: Clock,
  ) {}

  async load(service: string): Promise<GateRecord> {
    return parseGateRecord(service, (await this.kv.get(gateKey(service)))?.value);
  }

  /**
   * Applies `change` to the stored record and writes the result. `change` returns the new
   * record, or undefined to leave the key as it is; it may throw to refuse (nothing written).
   * Resolves the record as stored afterwards.
   */
  async update(
    service: string,
    change: (record: GateRecord) => GateRecord | undefined,
  ): Promise<{ record: GateRecord; changed: boolean }> {
    const key = gateKey(service);
    return casRetry(`update ${key}`, { clock: this.clock, maxAttempts: 30 }, async () => {
      const stored = await this.kv.get(key);
      const current = parseGateRecord(service, stored?.value);
      const next = change(structuredClone(current));
      if (next === undefined) return { record: current, changed: false };
      const written = await this.kv.set(key, JSON.stringify(next), { cas: stored?.modifyIndex ?? 0 });
      return written ? { record: next, changed: true } : undefined;
    });
  }
}
