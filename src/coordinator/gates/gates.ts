import type { ConsulConfig, ServiceConfig } from "../../config/types.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { KvStore } from "../../kv/kv-store.js";
import { gatePolicy } from "../../gates/decide-gate.js";
import { GateStore } from "../../gates/gate-store.js";
import { promoteValue } from "../../gates/promotion.js";
import type { HistoryStore } from "../../state/history-store.js";
import type { RevertWrite } from "../engine/index.js";
import { notify, type RolloutObserver, type RolloutRecord } from "../model/index.js";
import { revertValue, type DigestWrite } from "../revert-value.js";
import { RemotePromoter } from "./remote-promoter.js";
import { ServiceGate } from "./service-gate.js";

export interface GatesOptions {
  services: readonly ServiceConfig[];
  kv: KvStore;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  history: HistoryStore;
  observers: readonly RolloutObserver[];
  loadRecord: (service: string) => Promise<RolloutRecord | undefined>;
  /** `ServiceRunner.observe` of the named service. */
  admit: (service: string, value: string, modifyIndex: number, initial: boolean) => void;
  /**
   * Promotion to another Consul/Nomad pair (README, "Promotion to another cluster"): opens that
   * pair's Consul, and names this one in the target's history (`<service>@<cluster>`).
   */
  remote?: { open: (consul: ConsulConfig) => KvStore & { close(): void }; cluster: string };
}

/**
 * A service needs a gate when it has approvals or windows, promotes, or is promoted to with
 * approvals asked for. Every other service's values go straight to its runner, as before.
 */
export function needsGate(
  service: ServiceConfig,
  services: readonly ServiceConfig[],
  approvedTargets: ReadonlySet<string> = promotedWithApprovals(services),
): boolean {
  return (
    service.approvals !== undefined ||
    service.windows !== undefined ||
    service.promote !== undefined ||
    service.acceptsPromotions === true ||
    approvedTargets.has(service.name)
  );
}

/** Services promoted to with approvals asked for: computed once, not once per service (10,000²). */
function promotedWithApprovals(services: readonly ServiceConfig[]): Set<string> {
  // A promotion to another cluster is gated there (acceptsPromotions), not by a local namesake.
  return new Set(
    services.flatMap((s) =>
      s.promote && !s.promote.remote && s.promote.approvals > 0 ? [s.promote.to] : [],
    ),
  );
}

/** The leader's gates for one term, one per service that needs one (see ServiceGate). */
export class Gates {
  private readonly gates = new Map<string, ServiceGate>();
  private readonly store: GateStore;
  private readonly promoters = new Map<string, { promoter: RemotePromoter; close(): void }>();

  constructor(private readonly o: GatesOptions) {
    this.store = new GateStore(o.kv, o.clock);
    const approvedTargets = promotedWithApprovals(o.services);
    for (const service of o.services) {
      if (!needsGate(service, o.services, approvedTargets)) continue;
      this.openPromoter(service);
      const promote = service.promote && ((record: RolloutRecord) => this.promote(service, record));
      this.gates.set(
        service.name,
        new ServiceGate({
          service,
          policy: gatePolicy(service),
          store: this.store,
          kv: o.kv,
          clock: o.clock,
          logger: o.logger,
          signal: o.signal,
          loadRecord: o.loadRecord,
          appendHistory: (name, entry) => o.history.append(name, entry),
          observers: o.observers,
          admit: (value, index, initial) => o.admit(service.name, value, index, initial),
          ...(promote && { promote }),
        }),
      );
    }
  }

  get(service: string): ServiceGate | undefined {
    return this.gates.get(service);
  }

  /** Looks at every gate (the start of a term, so promotions and timers pick up at once). */
  lookAll(): void {
    for (const gate of this.gates.values()) gate.look();
    for (const { promoter } of this.promoters.values()) promoter.kick();
  }

  /** A finished rollout may have a value to promote: its gate looks again. */
  readonly observer: RolloutObserver = {
    onRolloutFinished: (event) => this.gates.get(event.service)?.look(),
  };

  /**
   * autoRevert's write, aware of gates: when the key holds a value the gate keeps from the
   * runner (waiting for approval or a window), the previous value must still go back — the
   * allocations render the key — so the waiting value is replaced (the gate records that).
   */
  async revert(key: string, from: string, to: string, digest?: DigestWrite): Promise<RevertWrite> {
    const gates = this.o.services.filter((s) => s.key === key).flatMap((s) => this.gates.get(s.name) ?? []);
    for (const gate of gates) gate.expectOwnWrite(to);
    const write = await this.revertHeld(gates, key, from, to, digest);
    if (!write.written) for (const gate of gates) gate.expectOwnWrite(undefined);
    return write;
  }

  private async revertHeld(
    gates: ServiceGate[],
    key: string,
    from: string,
    to: string,
    digest: DigestWrite | undefined,
  ): Promise<RevertWrite> {
    const write = await revertValue(this.o.kv, key, from, to, this.o.clock, digest);
    if (write.written || write.current === undefined) return write;
    const current = write.current;
    if (!gates.some((gate) => gate.holds(current))) return write;
    this.o.logger.warn({ key, waiting: current, to }, "revert replaces a value its gate holds");
    return revertValue(this.o.kv, key, current, to, this.o.clock, digest);
  }

  async idle(): Promise<void> {
    await Promise.all([...this.gates.values()].map((gate) => gate.idle()));
    await Promise.all([...this.promoters.values()].map(({ promoter }) => promoter.idle()));
    for (const { close } of this.promoters.values()) close();
  }

  /** A RemotePromoter for a service whose `promote.to` lives on another Consul/Nomad pair. */
  private openPromoter(service: ServiceConfig): void {
    const target = service.promote?.remote;
    if (!service.promote || !target || !this.o.remote) return;
    const remote = this.o.remote.open(target.consul);
    const promoter = new RemotePromoter({
      service: { ...service, promote: service.promote },
      target,
      from: `${service.name}@${this.o.remote.cluster}`,
      remote,
      store: this.store,
      clock: this.o.clock,
      logger: this.o.logger,
      signal: this.o.signal,
      appendHistory: (name, entry) => this.o.history.append(name, entry),
      observers: this.o.observers,
    });
    this.promoters.set(service.name, { promoter, close: () => remote.close() });
  }

  /**
   * To another pair: recorded as pending in this service's gate record (so a new leader goes on
   * with it), then delivered by its RemotePromoter in the background, retried until it lands.
   */
  private async promoteRemote(service: ServiceConfig, record: RolloutRecord): Promise<void> {
    const entry = this.promoters.get(service.name);
    const to = service.promote?.to;
    if (!entry || to === undefined) return;
    const pending = { to, value: record.value, rolloutId: record.id, since: this.o.clock.now(), attempts: 0 };
    await this.store.update(service.name, (g) => ({ ...g, remotePromotion: pending }));
    entry.promoter.kick();
  }

  private async promote(service: ServiceConfig, record: RolloutRecord): Promise<void> {
    if (service.promote?.remote) return this.promoteRemote(service, record);
    const deps = {
      services: this.o.services,
      kv: this.o.kv,
      store: this.store,
      clock: this.o.clock,
      appendHistory: (name: string, entry: Parameters<HistoryStore["append"]>[1]) =>
        this.o.history.append(name, entry),
    };
    const promotion = await promoteValue(deps, service, record.value, record.id);
    if (!promotion) return;
    const message = promotion.proposed
      ? `proposed to ${promotion.to}`
      : `not proposed to ${promotion.to}: ${promotion.reason ?? ""}`;
    this.o.logger.info({ service: service.name, to: promotion.to, value: record.value }, message);
    notify(
      this.o.observers,
      {
        type: "gate",
        service: service.name,
        change: "promoted",
        value: record.value,
        message,
        waiting: null,
        to: promotion.to,
        at: this.o.clock.now(),
      },
      this.o.logger,
    );
  }
}
