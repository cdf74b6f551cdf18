import type { ServiceConfig } from "../../config/types.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { KvStore } from "../../kv/kv-store.js";
import { decideGate, type GateDecision, type GatePolicy } from "../../gates/decide-gate.js";
import { waitingView, type GateRecord } from "../../gates/gate-record.js";
import type { GateStore } from "../../gates/gate-store.js";
import type { NewHistoryEntry } from "../../state/history-store.js";
import { notify, type GateEvent, type RolloutObserver } from "../model/index.js";
import { isActive, settledDigest, settledValue, type RolloutRecord } from "../model/index.js";
import { digestPinnedFor } from "../../supply-chain/digest-sync.js";
import { revertValue } from "../revert-value.js";
import { retrying } from "../steps/index.js";

/** Longest single sleep of the gate's timer: it looks again at least this often while waiting. */
const MAX_TIMER_MS = 3_600_000;

export interface ServiceGateOptions {
  service: ServiceConfig;
  policy: GatePolicy;
  store: GateStore;
  kv: KvStore;
  clock: Clock;
  logger: Logger;
  /** The leadership term: timers and looks stop when it aborts. */
  signal: AbortSignal;
  loadRecord: (service: string) => Promise<RolloutRecord | undefined>;
  appendHistory: (service: string, entry: NewHistoryEntry) => Promise<unknown>;
  observers: readonly RolloutObserver[];
  /** Hands a value the gate lets through to the service's runner (`ServiceRunner.observe`). */
  admit: (value: string, modifyIndex: number, initial: boolean) => void;
  /** Proposes a succeeded rollout's value to the `promote.to` service (src/gates/promotion.ts). */
  promote?: (record: RolloutRecord) => Promise<unknown>;
}

/**
 * The leader's gate in front of one service's runner (README, "Approvals, deploy windows and
 * promotion"). The watcher's values come here instead of to the runner; each look reads the
 * gate record and the rollout record, asks `decideGate`, persists what changed (CAS), writes
 * history, tells observers, and hands the runner only values it may roll out — so the runner's
 * `decideNext` and the engine's supersede never see a value that waits. Timers wake it when an
 * approval expires or a deploy window opens; approvals written by the API wake it through the
 * watched `tagroll/gates/` folder. It also hands each succeeded rollout to promotion, once.
 */
export class ServiceGate {
  private latest: { value: string; modifyIndex: number; initial: boolean } | undefined;
  private held: string | undefined;
  private dirty = false;
  private running: Promise<void> | undefined;
  private timer: { at: number; stop: AbortController } | undefined;
  private announced = false;
  private ownWrite: string | undefined;
  private readonly log: Logger;

  constructor(private readonly o: ServiceGateOptions) {
    this.log = o.logger.child({ service: o.service.name, component: "gate" });
  }

  observe(value: string, modifyIndex: number, initial: boolean): void {
    if (this.latest && modifyIndex < this.latest.modifyIndex) return;
    // The revert's exemption lasts while the key holds its value: a later write of the same
    // value (a rollback, a push) is a new value like any other.
    if (this.ownWrite !== undefined && value !== this.ownWrite && this.latest?.value === this.ownWrite) {
      this.ownWrite = undefined;
    }
    this.latest = { value, modifyIndex, initial };
    this.look();
  }

  /** Looks again: the gate record changed, a rollout finished, or a timer fired. */
  look(): void {
    this.dirty = true;
    if (!this.running) this.running = this.drain();
  }

  /**
   * autoRevert is about to write `value` (the previous one) into the key: it is the rollout's
   * own write, to pass like the running value — the record says `reverting` only a moment later.
   */
  expectOwnWrite(value: string | undefined): void {
    this.ownWrite = value;
  }

  /** True when the key holds `value` and the gate keeps it from the runner. */
  holds(value: string): boolean {
    return this.held === value;
  }

  async idle(): Promise<void> {
    await this.running;
    this.timer?.stop.abort();
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty && !this.o.signal.aborted) {
        this.dirty = false;
        await this.evaluate().catch((err: unknown) => {
          if (this.o.signal.aborted) return;
          this.log.error({ err }, "gate could not look at the service; trying again in 5s");
          this.wakeAt(this.o.clock.now() + 5_000);
        });
      }
    } finally {
      this.running = undefined;
    }
  }

  private async evaluate(): Promise<void> {
    const name = this.o.service.name;
    const [gate, record] = await Promise.all([this.o.store.load(name), this.o.loadRecord(name)]);
    if (this.o.promote) await this.promotion(gate, record);
    const latest = this.latest;
    const decision = decideGate({
      policy: this.o.policy,
      gate,
      latest: latest?.value,
      settled:
        latest !== undefined && latest.value === this.ownWrite
          ? latest.value
          : record && settledValue(record),
      adopting: !record && latest?.initial === true,
      now: this.o.clock.now(),
    });
    if (decision.writeBack) await this.keepWaitingDigest(decision, gate);
    // A released value goes into the key before the release is recorded: if this leader stops
    // in between, the next one finds it approved and in the key, and releases it again.
    const forward = decision.writeForward;
    const forwardDigest = gate.waiting?.value === forward?.to ? gate.waiting?.digest : undefined;
    if (forward && !(await this.writeKey(forward, forwardDigest))) {
      return void (this.dirty = true);
    }
    if (decision.next) {
      const expected = JSON.stringify(gate);
      const { changed } = await this.o.store.update(name, (now) =>
        JSON.stringify(now) === expected ? decision.next : undefined,
      );
      // Someone (an approver) wrote in between: decide again from what is stored now.
      if (!changed) return void (this.dirty = true);
    }
    await this.record(decision, decision.next ?? gate);
    if (decision.writeBack) {
      const running =
        record && settledValue(record) === decision.writeBack.to ? settledDigest(record) : undefined;
      await this.writeKey(decision.writeBack, running);
    }
    this.held = latest && decision.admit !== latest.value ? latest.value : undefined;
    if (decision.writeForward) return; // the watcher brings the value back, released
    if (latest && decision.admit !== undefined)
      this.o.admit(decision.admit, latest.modifyIndex, latest.initial);
    if (decision.wakeAt !== undefined) this.wakeAt(decision.wakeAt);
    else this.timer?.stop.abort();
  }

  /** History entries and events for what changed; the first look of a term reports what waits. */
  private async record(decision: GateDecision, gate: GateRecord): Promise<void> {
    const waiting = waitingView(gate.waiting);
    const events: GateEvent[] = decision.notes.map((n) => ({
      type: "gate",
      service: this.o.service.name,
      change: n.kind,
      value: n.value,
      message: n.message,
      waiting,
      at: this.o.clock.now(),
    }));
    if (!this.announced && decision.notes.length === 0 && gate.waiting) {
      const { kind, value } = gate.waiting;
      const message = "waiting (found by this leader)";
      events.push({
        type: "gate",
        service: this.o.service.name,
        change: kind,
        value,
        message,
        waiting,
        resumed: true,
        at: this.o.clock.now(),
      });
    }
    this.announced = true;
    for (const n of decision.notes) {
      this.log.info({ value: n.value, change: n.kind }, n.message);
      await this.o
        .appendHistory(this.o.service.name, {
          kind: n.kind,
          tag: n.value,
          source: "gate",
          outcome: n.kind,
          message: n.message,
        })
        .catch((err: unknown) => this.log.warn({ err }, "history append failed"));
    }
    for (const event of events) notify(this.o.observers, event, this.log);
  }

  /**
   * Writes `to` into the service's key while it still holds `from` (the ingress's CAS path):
   * parking a held value (the running one goes back) or un-parking a released one. For a service
   * that pins digests, `digest` goes into the digest key in the same transaction; without one
   * (a record from before digests were pinned) the tag goes alone, and status calls the digest
   * pending until a rollout pins it (src/supply-chain/digest-sync.ts).
   */
  private async writeKey({ from, to }: { from: string; to: string }, digest?: string): Promise<boolean> {
    const ctx = { clock: this.o.clock, logger: this.log, signal: this.o.signal };
    const key = this.o.service.supplyChain?.digestKey;
    const pin = key !== undefined && digest !== undefined ? { key, value: digest } : undefined;
    const write = await retrying(ctx, () =>
      revertValue(this.o.kv, this.o.service.key, from, to, this.o.clock, pin),
    );
    if (!write.written) return false;
    if (key !== undefined && pin === undefined) {
      // Status shows the digest pending until a rollout pins one (src/operations/service-status.ts).
      this.log.warn(
        { from, to },
        "gate wrote the service's key without a digest: none is known for the value",
      );
    } else this.log.info({ from, to, ...(pin && { digest: pin.value }) }, "gate wrote the service's key");
    return true;
  }

  /**
   * Before a held value is parked, the digest pushed with it is kept in the gate record (only a
   * digest written in the tag's own transaction, or pinned by tagroll after it, counts), so its
   * release writes the two back together. Read on every park: a tag re-pushed with a new digest
   * while it waits replaces the kept one.
   */
  private async keepWaitingDigest(decision: GateDecision, gate: GateRecord): Promise<void> {
    const key = this.o.service.supplyChain?.digestKey;
    const held = decision.writeBack?.from;
    const next = decision.next ?? structuredClone(gate);
    const waiting = next.waiting;
    if (key === undefined || waiting === undefined || waiting.value !== held) return;
    const ctx = { clock: this.o.clock, logger: this.log, signal: this.o.signal };
    const [tag, pinned] = await retrying(ctx, () =>
      Promise.all([this.o.kv.get(this.o.service.key), this.o.kv.get(key)]),
    );
    if (!tag || tag.value !== held || !pinned || !digestPinnedFor(pinned, tag.modifyIndex)) return;
    if (waiting.digest === pinned.value) return;
    waiting.digest = pinned.value;
    decision.next = next;
  }

  /**
   * Once per succeeded rollout, recorded in the gate record (`promotedRollout`). The first look
   * of a service never seen before takes the current record as the baseline: turning promotion
   * on must not promote an old rollout.
   */
  private async promotion(gate: GateRecord, record: RolloutRecord | undefined): Promise<void> {
    const name = this.o.service.name;
    if (gate.promotedRollout === undefined) {
      const baseline = record && !isActive(record) ? record.id : null;
      await this.o.store.update(name, (g) =>
        g.promotedRollout === undefined ? { ...g, promotedRollout: baseline } : undefined,
      );
      return;
    }
    if (!record || isActive(record) || record.id === gate.promotedRollout) return;
    if (record.status === "succeeded" && record.kind === "deploy") await this.o.promote?.(record);
    await this.o.store.update(name, (g) => ({ ...g, promotedRollout: record.id }));
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timer.at === at) return;
    this.timer?.stop.abort();
    const stop = new AbortController();
    this.timer = { at, stop };
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - this.o.clock.now()));
    this.o.clock.sleep(delay, AbortSignal.any([stop.signal, this.o.signal])).then(
      () => {
        if (this.timer?.stop === stop) this.timer = undefined;
        this.look();
      },
      () => undefined,
    );
  }
}
