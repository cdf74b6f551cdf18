import type { ServiceConfig } from "../../config/types.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { ServiceHealth } from "../../kv/kv-store.js";
import type { NomadApi, NomadScope } from "../../nomad/nomad-api.js";
import { isRunning } from "../targets/index.js";
import { ensureLeading } from "../leader/index.js";
import { notify, type CoordinatorEvent, type RolloutObserver } from "../model/index.js";
import { planFresh, planRevert, planSupersede, type GroupListing } from "./rollout-plan.js";
import { phaseValue, supersedeRecord, type RolloutRecord, type RolloutStatus } from "../model/index.js";
import type { RolloutRecords } from "../leader/index.js";
import { runPhase, type PhaseResult } from "./run-phase.js";
import {
  nextRolloutStatus,
  supersedes,
  type LastStep,
  type RevertWrite,
  type RolloutPlan,
} from "./next-rollout-status.js";
import { DEFAULT_TIMING, Deadline, retrying, type EngineTiming, type StepContext } from "../steps/index.js";
import { resolveTargets, type GroupTarget } from "../targets/index.js";
import type { RedeployDriver } from "../redeploy/index.js";
import { revertDigest, type DigestWrite } from "../revert-value.js";
import type { DigestSync } from "../../supply-chain/digest-sync.js";

/** How often a plan waiting for starting allocations looks again. */
const PENDING_POLL_MS = 1_000;

export interface RolloutEngineOptions {
  nomad: NomadApi;
  health: ServiceHealth;
  clock: Clock;
  logger: Logger;
  records: RolloutRecords;
  observers: RolloutObserver[];
  /** Appends to `tagroll/history/<service>` (HistoryStore.append). */
  appendHistory: (service: string, entry: HistoryNote) => Promise<unknown>;
  /** CAS-writes `to` into `key` if it still holds `from`. */
  revertValue: (key: string, from: string, to: string, digest?: DigestWrite) => Promise<RevertWrite>;
  nomadDefaults: NomadScope;
  timing?: EngineTiming;
  /** Drives services with the `redeploy` strategy (src/coordinator/redeploy/). */
  redeploy?: RedeployDriver;
  /** issue 12: the digest of a value that supersedes a running rollout, pinned first when written by hand. */
  pinDigest?: DigestSync;
}

export interface HistoryNote {
  id: string;
  kind: "rollout" | "revert" | "restart";
  tag: string;
  previous?: string;
  outcome: string;
  message?: string;
  digest?: string;
  previousDigest?: string;
}

/** How the service's runner steers a running rollout. */
export interface RolloutControl {
  /** Aborts when leadership is lost or the coordinator stops. */
  signal: AbortSignal;
  /** The newest desired value the watcher has seen. */
  latest(): string | undefined;
  /** The engine wrote `value` itself (the revert): it is not a new value to roll out. */
  wrote(value: string): void;
}

/**
 * Drives one rollout record to a final status, levant-style: a loop that asks
 * `nextRolloutStatus` (next-rollout-status.ts) what the record calls for, does that one thing —
 * a pass over the allocations (after superseding or re-planning when asked), the revert write,
 * or the finish — and asks again with what it observed.
 * Throws LeadershipLostError when leadership goes; the record then stays as persisted.
 */
export class RolloutEngine {
  private readonly timing: EngineTiming;

  constructor(private readonly o: RolloutEngineOptions) {
    this.timing = o.timing ?? DEFAULT_TIMING;
  }

  async run(
    record: RolloutRecord,
    service: ServiceConfig,
    control: RolloutControl,
    resumed: boolean,
  ): Promise<RolloutRecord> {
    const logger = this.o.logger.child({ service: service.name, rolloutId: record.id });
    const ctx: StepContext = { ...this.o, logger, signal: control.signal, timing: this.timing };
    const save = serialSaver(ctx, this.o.records, record);
    this.emit({
      type: "rollout-started",
      ...this.base(record),
      kind: record.kind,
      value: record.value,
      resumed,
      ...opt("previousValue", record.previousValue),
    });
    logger.info({ value: record.value, previous: record.previousValue, resumed }, "rollout running");
    if (service.strategy?.kind === "redeploy") {
      if (!this.o.redeploy)
        return this.finish(record, "failed", save, "the redeploy strategy is not wired in");
      return this.o.redeploy.run({
        ctx,
        record,
        service,
        latest: () => control.latest(),
        wrote: (value) => control.wrote(value),
        save,
        emit: (event) => this.emit(event),
        finish: (status, error) => this.finish(record, status, save, error),
      });
    }
    let last: LastStep = { kind: "started" };
    for (;;) {
      ensureLeading(control.signal);
      const observed = { latest: control.latest(), autoRevert: service.rollout.autoRevert, last };
      const action = nextRolloutStatus(record, observed);
      switch (action.kind) {
        case "none":
          return record;
        case "finish":
          return this.finish(record, action.status, save, action.error);
        case "revert": {
          const write = await this.revert(ctx, record, service, control, action.reason);
          last = { kind: "revert-write", write, reason: action.reason };
          break;
        }
        case "pass": {
          if (action.supersede !== undefined) {
            const refused = await this.pinSuperseding(record, service, action.supersede);
            if (refused !== undefined) return this.finish(record, "failed", save, refused);
          }
          const result = await this.pass(ctx, record, service, control, action, save);
          last = { kind: "pass", result };
          break;
        }
      }
    }
  }

  /**
   * Ends a rollout that must not start — its tag was refused by the supply-chain gate (README,
   * "Supply chain": hand edits) — as `failed` with `reason`, restarting nothing.
   */
  async refuse(
    record: RolloutRecord,
    service: ServiceConfig,
    reason: string,
    signal: AbortSignal,
  ): Promise<RolloutRecord> {
    const logger = this.o.logger.child({ service: service.name, rolloutId: record.id });
    const ctx: StepContext = { ...this.o, logger, signal, timing: this.timing };
    this.emit({
      type: "rollout-started",
      ...this.base(record),
      kind: record.kind,
      value: record.value,
      resumed: false,
    });
    logger.warn({ value: record.value, reason }, "rollout refused before any restart");
    return this.finish(record, "failed", serialSaver(ctx, this.o.records, record), reason);
  }

  /** Supersedes and plans when asked, then moves the planned allocations (runPhase). */
  private async pass(
    ctx: StepContext,
    record: RolloutRecord,
    service: ServiceConfig,
    control: RolloutControl,
    action: { supersede?: string; plan?: RolloutPlan },
    save: () => Promise<void>,
  ): Promise<PhaseResult> {
    if (action.supersede !== undefined && record.value !== action.supersede) {
      this.supersede(record, action.supersede);
    }
    const targets = await retrying(ctx, () =>
      resolveTargets(service, this.o.nomad, this.o.nomadDefaults, ctx.logger),
    );
    if (targets.length === 0)
      ctx.logger.warn("no job targets this service (config jobs or meta tagroll_service)");
    if (action.plan) {
      const listings = await this.list(ctx, targets);
      const now = this.o.clock.now();
      if (action.plan === "fresh") record.allocs = planFresh(listings, now);
      else if (action.plan === "supersede") planSupersede(record, listings, now);
      else planRevert(record, listings, now);
      await save();
    }
    return runPhase(ctx, record, service, targets, {
      save,
      emit: (event) => this.emit(event),
      superseded: () => supersedes(record, control.latest()),
    });
  }

  /** autoRevert: writes the previous value back; once it lands the record is `reverting`. */
  private async revert(
    ctx: StepContext,
    record: RolloutRecord,
    service: ServiceConfig,
    control: RolloutControl,
    reason: string,
  ): Promise<RevertWrite> {
    const previous = record.previousValue as string;
    const digest = revertDigest(service, record);
    const write = await retrying(ctx, () => this.o.revertValue(record.key, record.value, previous, digest));
    if (!write.written) return write;
    control.wrote(previous);
    record.status = "reverting";
    record.error = reason;
    this.emit({ type: "rollout-reverting", ...this.base(record), from: record.value, to: previous, reason });
    ctx.logger.warn({ reason, to: previous }, "rollout failed; reverting");
    return write;
  }

  /**
   * A newer value taking over a running rollout gets its digest the way a new rollout does
   * (src/supply-chain/digest-sync.ts): a value written by hand (`consul kv put` mid-rollout) is
   * resolved and pinned before any allocation restarts onto it, so none restarts onto the digest
   * of the value it replaced. A registry fault throws before the record changes (the runner looks
   * again with backoff); a refused value supersedes and is returned as the reason to end `failed`,
   * restarting nothing more. Resolves undefined when the pass may go on.
   */
  private async pinSuperseding(
    record: RolloutRecord,
    service: ServiceConfig,
    latest: string,
  ): Promise<string | undefined> {
    if (!this.o.pinDigest || service.supplyChain?.digestKey === undefined) return undefined;
    const pinned = await this.o.pinDigest(service, latest);
    this.supersede(record, latest);
    if ("refused" in pinned) return pinned.refused;
    if (pinned.digest !== undefined) record.digest = pinned.digest;
    return undefined;
  }

  private supersede(record: RolloutRecord, latest: string): void {
    const from = supersedeRecord(record, latest);
    this.emit({ type: "rollout-superseded", ...this.base(record), from, to: latest });
    this.o.logger.info({ service: record.service, from, to: latest }, "rollout superseded by a newer value");
  }

  /**
   * The running allocations of each target, once none is still pending. An allocation that is
   * starting while the plan is made may already have rendered the old value, and it would be
   * left out of a plan of running ones: a job just registered or scaled would end the rollout
   * with allocations on the old value (seen with `tagroll dev`). Waiting for it, bounded by the
   * group's healthy deadline, puts it in the plan; restarting it once more is safe.
   */
  private async list(ctx: StepContext, targets: GroupTarget[]): Promise<GroupListing[]> {
    return Promise.all(
      targets.map(async (target) => {
        const deadline = new Deadline(this.o.clock.now() + target.params.healthyDeadlineMs);
        for (;;) {
          const allocs = await retrying(ctx, () => this.o.nomad.jobAllocations(target.jobId, target.scope));
          const group = allocs.filter((a) => a.TaskGroup === target.group);
          const starting = group.filter((a) => a.DesiredStatus === "run" && a.ClientStatus === "pending");
          if (starting.length === 0 || deadline.passed(this.o.clock.now())) {
            return { target, running: group.filter((a) => isRunning(a)) };
          }
          await this.o.clock.sleep(PENDING_POLL_MS, ctx.signal);
        }
      }),
    );
  }

  private async finish(
    record: RolloutRecord,
    status: RolloutStatus,
    save: () => Promise<void>,
    error?: string,
  ): Promise<RolloutRecord> {
    const now = this.o.clock.now();
    record.status = status;
    record.finishedAt = now;
    if (error) record.error = error;
    await save();
    const kind = status === "reverted" ? "revert" : record.kind === "restart" ? "restart" : "rollout";
    const note: HistoryNote = { id: `${record.id}-${status}`, kind, tag: record.value, outcome: status };
    if (record.previousValue !== undefined) note.previous = record.previousValue;
    // issue 12: the digests, so a later rollback can write the one its tag ran with.
    if (record.digest !== undefined) note.digest = record.digest;
    if (record.previousDigest !== undefined) note.previousDigest = record.previousDigest;
    if (record.error) note.message = record.error;
    await this.o
      .appendHistory(record.service, note)
      .catch((err: unknown) => this.o.logger.warn({ err }, "history append failed"));
    this.emit({
      type: "rollout-finished",
      ...this.base(record),
      status,
      value: phaseValue(record),
      durationMs: now - record.startedAt,
      ...opt("error", record.error),
    });
    this.o.logger.info(
      { service: record.service, rolloutId: record.id, status, error: record.error },
      "rollout finished",
    );
    return record;
  }

  private base(record: RolloutRecord) {
    return { service: record.service, rolloutId: record.id, at: this.o.clock.now() };
  }

  private emit(event: CoordinatorEvent): void {
    notify(this.o.observers, event, this.o.logger);
  }
}

/** Saves one at a time (batch members persist concurrently), retrying while Consul is away. */
function serialSaver(ctx: StepContext, records: RolloutRecords, record: RolloutRecord): () => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  return () => {
    record.updatedAt = ctx.clock.now();
    const next = chain.then(() => retrying(ctx, () => records.save(record)));
    chain = next.catch(() => undefined);
    return next;
  };
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
