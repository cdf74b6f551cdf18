import type { RemotePromotionTarget, ServiceConfig } from "../../config/types.js";
import { Backoff } from "../../core/backoff.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { KvStore } from "../../kv/kv-store.js";
import type { PendingPromotion } from "../../gates/gate-record.js";
import type { GateStore } from "../../gates/gate-store.js";
import { proposeRemote, type RemoteProposalResult } from "../../gates/remote-proposal.js";
import type { NewHistoryEntry } from "../../state/history-store.js";
import { notify, type GateEvent, type RolloutObserver } from "../model/index.js";

export interface RemotePromoterOptions {
  service: ServiceConfig & { promote: NonNullable<ServiceConfig["promote"]> };
  target: RemotePromotionTarget;
  /** `<service>@<cluster>`: how the target's history and gate name where the value comes from. */
  from: string;
  /** The target pair's Consul. */
  remote: KvStore;
  /** This pair's gate records, where the pending promotion is kept. */
  store: GateStore;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  appendHistory: (service: string, entry: NewHistoryEntry) => Promise<unknown>;
  observers: readonly RolloutObserver[];
  /** Waits between failed attempts (default 1 s doubling up to 60 s, with jitter). */
  backoff?: Backoff;
}

/**
 * Delivers a promotion to a service on another Consul/Nomad pair (README, "Promotion to another
 * cluster"), on the leader. The gate first records it as pending in this service's gate record
 * (`remotePromotion`), then kicks this loop, which proposes it through the target pair's Consul
 * (src/gates/remote-proposal.ts) until that works, waiting longer after each failure. It runs
 * beside the gate, so an unreachable target never holds up this service's own rollouts; every
 * failed attempt is logged, counted (`tagroll_gate_changes_total{change="promotion-failed"}`),
 * and shown in status with its error. A new leader's `kick` at the start of its term goes on
 * with whatever is still pending.
 */
export class RemotePromoter {
  private running: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly backoff: Backoff;

  constructor(private readonly o: RemotePromoterOptions) {
    this.log = o.logger.child({ service: o.service.name, component: "promotion", to: o.service.promote.to });
    this.backoff = o.backoff ?? new Backoff(1_000, 60_000);
  }

  /** Looks for a pending promotion and delivers it (no-op while already at it). */
  kick(): void {
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  async idle(): Promise<void> {
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.o.signal.aborted) {
      let pending: PendingPromotion | undefined;
      try {
        pending = (await this.o.store.load(this.o.service.name)).remotePromotion;
        if (!pending) return;
        const result = await proposeRemote(this.o.remote, this.proposal(pending), this.o.clock);
        await this.delivered(pending, result);
        this.backoff.reset();
      } catch (err) {
        if (this.o.signal.aborted) return;
        await this.failed(pending, err).catch((e: unknown) => this.log.warn({ err: e }, "could not record"));
        await this.o.clock.sleep(this.backoff.next(), this.o.signal).catch(() => undefined);
      }
    }
  }

  private proposal(pending: PendingPromotion) {
    const { to, approvals } = this.o.service.promote;
    return {
      to,
      key: this.o.target.key,
      value: pending.value,
      from: this.o.from,
      approvals,
      rolloutId: pending.rolloutId,
    };
  }

  /** Clears the pending promotion (unless a newer one replaced it) and tells history and observers. */
  private async delivered(pending: PendingPromotion, result: RemoteProposalResult): Promise<void> {
    const name = this.o.service.name;
    const to = `${pending.to}@${this.o.target.consul.address}`;
    await this.o.store.update(name, (g) => {
      if (g.remotePromotion?.rolloutId !== pending.rolloutId) return undefined;
      delete g.remotePromotion;
      return g;
    });
    const proposed = result.outcome === "proposed";
    const message = proposed ? `proposed to ${to}` : `not proposed to ${to}: ${result.reason}`;
    this.log.info({ value: pending.value, attempts: pending.attempts + 1 }, message);
    await this.o.appendHistory(name, {
      id: `${pending.rolloutId}-promoted`,
      kind: "promoted-to",
      tag: pending.value,
      source: pending.to,
      outcome: proposed ? "proposed" : "skipped",
      message,
    });
    this.tell("promoted", pending, message);
  }

  /** Records the failed attempt where status reads it, logs and counts it. */
  private async failed(pending: PendingPromotion | undefined, err: unknown): Promise<void> {
    const error = err instanceof Error ? err.message : String(err);
    this.log.warn({ err, value: pending?.value }, "promotion to the other cluster failed; retrying");
    if (!pending) return;
    const now = this.o.clock.now();
    await this.o.store.update(this.o.service.name, (g) => {
      if (g.remotePromotion?.rolloutId !== pending.rolloutId) return undefined;
      g.remotePromotion = {
        ...g.remotePromotion,
        attempts: g.remotePromotion.attempts + 1,
        lastError: error,
        lastAttemptAt: now,
      };
      return g;
    });
    this.tell("promotion-failed", pending, `not yet proposed to ${pending.to}: ${error}; retrying`);
  }

  private tell(change: GateEvent["change"], pending: PendingPromotion, message: string): void {
    const event: GateEvent = {
      type: "gate",
      service: this.o.service.name,
      change,
      value: pending.value,
      message,
      waiting: null,
      to: pending.to,
      at: this.o.clock.now(),
    };
    notify(this.o.observers, event, this.log);
  }
}
