import type { ServiceConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { ServiceHealth } from "../kv/kv-store.js";
import type { NomadApi, NomadScope } from "../nomad/nomad-api.js";
import { isRunning } from "./alloc-state.js";
import { ensureLeading } from "./leadership.js";
import { notify, type CoordinatorEvent, type RolloutObserver } from "./rollout-observer.js";
import { planFresh, planRevert, planSupersede, type GroupListing } from "./rollout-plan.js";
import { phaseValue, type RolloutRecord, type RolloutStatus } from "./rollout-record.js";
import type { RolloutRecords } from "./rollout-records.js";
import { runPhase, type PhaseResult } from "./rollout-phase.js";
import { DEFAULT_TIMING, Deadline, retrying, type EngineTiming, type StepContext } from "./step-context.js";
import { resolveTargets, type GroupTarget } from "./targets.js";

/** How often a plan waiting for starting allocations looks again. */
const PENDING_POLL_MS = 1_000;

/** Result of writing the previous value back: not written when someone changed the key meanwhile. */
export type RevertWrite = { written: true } | { written: false; current: string | undefined };

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
  revertValue: (key: string, from: string, to: string) => Promise<RevertWrite>;
  nomadDefaults: NomadScope;
  timing?: EngineTiming;
}

export interface HistoryNote {
  id: string;
  kind: "rollout" | "revert" | "restart";
  tag: string;
  previous?: string;
  outcome: string;
  message?: string;
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
 * Drives one rollout record to a final status, levant-style: a loop whose every turn looks at
 * the record's status and does the one thing that status calls for —
 *   running   → move the planned allocations to `value`, batch by batch;
 *   reverting → move the allocations already touched back to `previousValue`;
 * with a newer desired value superseding either between batches, and a failed batch turning
 * `running` into `reverting` (autoRevert) or ending the rollout `failed`.
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
    let replan: "fresh" | "supersede" | "revert" | undefined =
      record.allocs.length === 0 ? "fresh" : undefined;
    for (;;) {
      ensureLeading(control.signal);
      const latest = control.latest();
      if (supersedes(record, latest)) {
        this.supersede(record, latest);
        replan = "supersede";
      }
      const targets = await retrying(ctx, () =>
        resolveTargets(service, this.o.nomad, this.o.nomadDefaults, logger),
      );
      if (targets.length === 0)
        logger.warn("no job targets this service (config jobs or meta tagroll_service)");
      if (replan) {
        const listings = await this.list(ctx, targets);
        const now = this.o.clock.now();
        if (replan === "fresh") record.allocs = planFresh(listings, now);
        else if (replan === "supersede") planSupersede(record, listings, now);
        else planRevert(record, listings, now);
        replan = undefined;
        await save();
      }
      const result: PhaseResult = await runPhase(ctx, record, service, targets, {
        save,
        emit: (event) => this.emit(event),
        superseded: () => supersedes(record, control.latest()),
      });
      if (result.kind === "superseded") continue;
      if (result.kind === "done")
        return this.finish(record, record.status === "reverting" ? "reverted" : "succeeded", save);
      if (
        record.status === "running" &&
        service.rollout.autoRevert &&
        record.kind === "deploy" &&
        record.previousValue !== undefined
      ) {
        const write = await retrying(ctx, () =>
          this.o.revertValue(record.key, record.value, record.previousValue as string),
        );
        if (write.written) {
          control.wrote(record.previousValue);
          record.status = "reverting";
          record.error = result.reason;
          this.emit({
            type: "rollout-reverting",
            ...this.base(record),
            from: record.value,
            to: record.previousValue,
            reason: result.reason,
          });
          logger.warn({ reason: result.reason, to: record.previousValue }, "rollout failed; reverting");
          replan = "revert";
          continue;
        }
        // Someone wrote a newer value meanwhile: that value supersedes, nothing to revert to.
        if (write.current !== undefined && write.current !== record.value) continue;
      }
      return this.finish(
        record,
        "failed",
        save,
        record.status === "reverting" ? `revert failed: ${result.reason}` : result.reason,
      );
    }
  }

  private supersede(record: RolloutRecord, latest: string): void {
    const from = phaseValue(record);
    if (record.kind === "restart") {
      record.kind = "deploy";
      record.previousValue = record.value;
    }
    record.superseded.push(from);
    record.value = latest;
    record.status = "running";
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

/** A newer desired value that the rollout is not already moving to. */
export function supersedes(record: RolloutRecord, latest: string | undefined): latest is string {
  return latest !== undefined && record.kind !== "adopted" && latest !== phaseValue(record);
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
