import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import cron from "node-cron";
import type { ConsulConfig, ServiceConfig, TagrollConfig } from "../config/types.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { KvStore, ServiceHealth } from "../kv/kv-store.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import { HistoryStore } from "../state/history-store.js";
import { KvWatcher, type WatchedChange } from "./watch/index.js";
import { LeaderElection, type LeadershipTerm } from "./leader/index.js";
import {
  reconcileOnce,
  type DeliveryExpirer,
  type ReconcileDeps,
  type ReconcileReport,
} from "./reconcile.js";
import { folderPrefix, gateService, requestService } from "../state/kv-layout.js";
import { Gates } from "./gates/index.js";
import { parseRestartRequest } from "./model/index.js";
import { RolloutEngine } from "./engine/index.js";
import { notify, type RolloutObserver } from "./model/index.js";
import { SessionRolloutRecords } from "./leader/index.js";
import { ServiceRunner } from "./runner/index.js";
import type { EngineTiming } from "./steps/index.js";
import { nomadDefaults } from "./targets/index.js";
import type { NomadDeployApi } from "../nomad/deploy-api.js";
import type { DigestSync } from "../supply-chain/digest-sync.js";
import { RedeployDriver } from "./redeploy/index.js";
import {
  followNomadEvents,
  type FollowNomadEventsOptions,
  type OpenEventStream,
} from "./nomad-events/index.js";

/** Runs `task` on a cron `schedule`; node-cron unless a test passes its own. */
export type Scheduler = (schedule: string, task: () => void) => { stop(): void };

export interface CoordinatorOptions {
  config: TagrollConfig;
  kv: KvStore;
  health: ServiceHealth;
  nomad: NomadApi;
  /** Re-registers jobs and follows deployments for the `redeploy` strategy (src/coordinator/redeploy/). */
  deployApi?: NomadDeployApi;
  logger: Logger;
  clock?: Clock;
  /** Status page, metrics, `--wait` listeners. */
  observers?: RolloutObserver[];
  /** Names this instance in the leader key; default `<hostname>-<pid>`. */
  instanceId?: string;
  /** Dedupe records to expire in the reconcile sweep (src/state/delivery-store.ts). */
  deliveries?: DeliveryExpirer;
  scheduler?: Scheduler;
  timing?: EngineTiming;
  /** Blocking-query wait of the KV watcher (default 5 minutes). */
  watchWaitMs?: number;
  /** Session lock-delay (default "1s"). */
  lockDelay?: string;
  /** Opens another pair's Consul, for promotions to it (README, "Promotion to another cluster"). */
  openRemoteKv?: (consul: ConsulConfig) => KvStore & { close(): void };
  /**
   * Nomad's event stream, followed by the leader so Nomad-side changes are checked at once
   * (src/coordinator/nomad-events/; README, "Running at scale"). Without it only the sweep finds them.
   */
  nomadEvents?: {
    open: OpenEventStream;
    /** What changed after an index, looked up after a reconnect (src/nomad/event-stream.ts). */
    changedSince?: FollowNomadEventsOptions["changedSince"];
    debounceMs?: number;
  };
  /** issue 12: pins the digest of a tag written without tagroll before its rollout (digest-sync.ts). */
  pinDigest?: DigestSync;
}

/** What this instance runs while it leads. */
interface Term {
  runners: Map<string, ServiceRunner>;
  records: SessionRolloutRecords;
  /** Each watched key's value as the KV watch last reported it (the sweep's desired values). */
  values: Map<string, string>;
}

/**
 * The coordinator (ARCHITECTURE.md): campaigns for `tagroll/leader`; while it leads, one
 * KvWatcher feeds a ServiceRunner per service, each driving its rollouts through the
 * RolloutEngine; a cron sweep reconciles. Losing leadership aborts every wait at once and the
 * campaign starts again. Every instance can run one; only the leader restarts anything.
 */
export class Coordinator {
  private readonly clock: Clock;
  private readonly election: LeaderElection;
  private readonly services: ServiceConfig[];
  /** Services by the key they watch (several services may share one). */
  private readonly byKey = new Map<string, ServiceConfig[]>();
  private stopper: AbortController | undefined;
  private campaign: Promise<void> | undefined;
  private cronTask: { stop(): void } | undefined;
  /** Where the next reconcile tick starts in `services`. */
  private sweepCursor = 0;
  private term: Term | undefined;

  constructor(private readonly o: CoordinatorOptions) {
    this.clock = o.clock ?? systemClock;
    this.services = o.config.services;
    for (const service of this.services)
      this.byKey.set(service.key, [...(this.byKey.get(service.key) ?? []), service]);
    this.election = new LeaderElection({
      kv: o.kv,
      clock: this.clock,
      logger: o.logger.child({ component: "leader-election" }),
      key: o.config.coordinator.leaderKey,
      ttl: o.config.coordinator.sessionTtl,
      lockDelay: o.lockDelay ?? "1s",
      instanceId: o.instanceId ?? `${hostname()}-${process.pid}`,
    });
  }

  /** Starts campaigning (in the background) and the reconcile schedule. Idempotent. */
  start(): void {
    if (this.campaign) return;
    this.stopper = new AbortController();
    setMaxListeners(0, this.stopper.signal);
    this.campaign = this.election.run((term) => this.lead(term), this.stopper.signal);
    const schedule = this.o.scheduler ?? ((expr, task) => cron.schedule(expr, task, { noOverlap: true }));
    this.cronTask = schedule(this.o.config.coordinator.reconcileSchedule, () => {
      void this.reconcile().catch((err: unknown) => this.o.logger.warn({ err }, "reconcile failed"));
    });
  }

  /** Stops all work, releases the records and the leader key, destroys the session. */
  async stop(): Promise<void> {
    this.cronTask?.stop();
    this.stopper?.abort(new Error("coordinator stopping"));
    await this.campaign;
    this.campaign = undefined;
  }

  isLeader(): boolean {
    return this.election.isLeader();
  }

  /**
   * One tick of the reconcile sweep: the next `coordinator.reconcileBatch` services in turn (all
   * of them with `all`), so its cost per tick stays the same however many services there are;
   * changes themselves arrive through the KV watch. Delivery records are expired once per round.
   * Undefined when this instance does not lead.
   */
  async reconcile(options: { all?: boolean } = {}): Promise<ReconcileReport | undefined> {
    const term = this.term;
    if (!term) return undefined;
    const { config, deliveries } = this.o;
    const start = this.sweepCursor % Math.max(1, this.services.length);
    const services = options.all
      ? [...this.services.slice(start), ...this.services.slice(0, start)]
      : this.services.slice(start, start + config.coordinator.reconcileBatch);
    this.sweepCursor = options.all ? start : start + services.length;
    const roundDone = options.all || this.sweepCursor >= this.services.length;
    if (this.sweepCursor >= this.services.length) this.sweepCursor = 0;
    return reconcileOnce({
      ...this.reconcileDeps(term, services),
      ...(start === 0 && { refreshRecords: () => term.records.refresh() }),
      ...(deliveries && roundDone ? { deliveries } : {}),
    });
  }

  /** What a reconcile tick needs to look at `services` in this term. */
  private reconcileDeps(term: Term, services: ServiceConfig[]): ReconcileDeps {
    const { config, nomad, logger } = this.o;
    return {
      services,
      runners: term.runners,
      loadRecord: (service) => term.records.load(service),
      desired: (key) => term.values.get(key),
      nomad,
      clock: this.clock,
      logger: logger.child({ component: "reconcile" }),
      observers: this.o.observers ?? [],
      nomadDefaults: nomadDefaults(config),
      deliveryTtlMs: config.coordinator.deliveryTtlMs,
    };
  }

  /** Follows Nomad's event stream for this term; each event's services get one reconcile look. */
  private followNomad(term: Term, signal: AbortSignal): Promise<void> {
    const stream = this.o.nomadEvents;
    if (!stream) return Promise.resolve();
    const byName = new Map(this.services.map((service) => [service.name, service]));
    return followNomadEvents({
      open: stream.open,
      ...(stream.changedSince && { changedSince: stream.changedSince }),
      services: this.services,
      nomad: this.o.nomad,
      defaults: nomadDefaults(this.o.config),
      clock: this.clock,
      logger: this.o.logger.child({ component: "nomad-events" }),
      observers: [...(this.o.observers ?? []), this.noteNomadEvents()],
      signal,
      busy: (service) => term.runners.get(service)?.busy() ?? false,
      check: async (names) => {
        const services = names.flatMap((name) => byName.get(name) ?? []);
        await reconcileOnce(this.reconcileDeps(term, services));
      },
      ...(stream.debounceMs === undefined ? {} : { debounceMs: stream.debounceMs }),
    });
  }

  /**
   * The stream's state goes into the leader key, so status, the CLI and the page on any instance
   * say when Nomad-side changes are found only by the sweep (README, "Running at scale"), and
   * `uncheckedGap` while what changed during an outage could not be listed yet.
   */
  private noteNomadEvents(): RolloutObserver {
    let stream: { state: string; reason?: string; since: string } | undefined;
    let uncheckedGap: { reason?: string; since: string } | undefined;
    return {
      onNomadEvents: (event) => {
        const { state, reason, at } = event;
        const since = new Date(at).toISOString();
        if (state === "stopped") return;
        if (state === "gap-unchecked")
          uncheckedGap = { ...(reason !== undefined && { reason }), since: uncheckedGap?.since ?? since };
        else if (state === "gap-checked") uncheckedGap = undefined;
        else stream = { state, ...(reason !== undefined && { reason }), since };
        if (stream === undefined) return;
        void this.election.note({ nomadEvents: { ...stream, ...(uncheckedGap && { uncheckedGap }) } });
      },
    };
  }

  private async lead(term: LeadershipTerm): Promise<void> {
    const { config, kv, nomad, health, logger } = this.o;
    const observers = this.o.observers ?? [];
    const records = new SessionRolloutRecords(kv, term.session, this.clock);
    const history = new HistoryStore(kv, { limit: config.historyLimit, clock: this.clock });
    // Approvals, windows, promotion: values of gated services pass their gate before their runner.
    const gates = new Gates({
      services: this.services,
      kv,
      clock: this.clock,
      logger: logger.child({ component: "gates" }),
      signal: term.signal,
      history,
      observers,
      loadRecord: (service) => records.load(service),
      admit: (service, value, index, initial) => runners.get(service)?.observe(value, index, initial),
      ...(this.o.openRemoteKv && {
        remote: { open: this.o.openRemoteKv, cluster: clusterName(config.consul) },
      }),
    });
    const engine = new RolloutEngine({
      nomad,
      health,
      clock: this.clock,
      logger,
      records,
      observers: [...observers, gates.observer],
      appendHistory: (service, note) => history.append(service, note),
      revertValue: (key, from, to, digest) => gates.revert(key, from, to, digest),
      nomadDefaults: nomadDefaults(config),
      ...(this.o.timing ? { timing: this.o.timing } : {}),
      ...(this.o.deployApi ? { redeploy: this.redeployDriver(this.o.deployApi, gates) } : {}),
      ...(this.o.pinDigest && { pinDigest: this.o.pinDigest }),
    });
    const runners = new Map(
      this.services.map((service) => [
        service.name,
        new ServiceRunner({
          service,
          engine,
          records,
          kv,
          clock: this.clock,
          logger,
          signal: term.signal,
          ...(this.o.pinDigest && { pinDigest: this.o.pinDigest }),
        }),
      ]),
    );
    const watcher = new KvWatcher({
      kv,
      clock: this.clock,
      logger: logger.child({ component: "kv-watcher" }),
      keys: [...this.byKey.keys(), folderPrefix("requests"), folderPrefix("gates")],
      onChange: (changes) => this.route(changes, runners, gates, values),
      ...(this.o.watchWaitMs ? { waitMs: this.o.watchWaitMs } : {}),
    });
    const values = new Map<string, string>();
    this.term = { runners, records, values };
    const following = this.followNomad(this.term, term.signal).catch((err: unknown) => {
      logger.error({ err }, "following Nomad's event stream failed; the reconcile sweep goes on");
    });
    notify(observers, { type: "leadership", leader: true, at: this.clock.now() }, logger);
    // Resume what a previous leader left running, even for a key that no longer exists.
    for (const runner of runners.values()) runner.kick();
    gates.lookAll();
    await watcher.run(term.signal);
    await following;
    await Promise.all([...runners.values()].map((runner) => runner.idle()));
    await gates.idle();
    this.term = undefined;
    await records.releaseAll();
    notify(observers, { type: "leadership", leader: false, at: this.clock.now() }, logger);
  }

  /** Its value reverts go through the gates too, so a gate never takes one for a new value. */
  private redeployDriver(api: NomadDeployApi, gates: Gates): RedeployDriver {
    return new RedeployDriver({
      api,
      nomadDefaults: nomadDefaults(this.o.config),
      revertValue: (key, from, to, digest) => gates.revert(key, from, to, digest),
    });
  }

  private route(
    changes: WatchedChange[],
    runners: Map<string, ServiceRunner>,
    gates: Gates,
    values: Map<string, string>,
  ): void {
    for (const change of changes) {
      const gated = gateService(change.key);
      if (gated !== undefined) {
        gates.get(gated)?.look();
        continue;
      }
      const requested = requestService(change.key);
      if (requested !== undefined) {
        const request = parseRestartRequest(change.value);
        if (request) runners.get(requested)?.requestRestart(request, change.modifyIndex);
        continue;
      }
      if (this.byKey.has(change.key)) values.set(change.key, change.value);
      for (const service of this.byKey.get(change.key) ?? []) {
        const target = gates.get(service.name) ?? runners.get(service.name);
        target?.observe(change.value, change.modifyIndex, change.initial);
      }
    }
  }
}

/** How the target of a promotion names this cluster: its Consul datacenter, else its Consul's host. */
function clusterName(consul: ConsulConfig): string {
  return consul.datacenter ?? new URL(consul.address).host;
}
