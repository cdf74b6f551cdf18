import type { ServiceConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { NomadApi, NomadScope } from "../nomad/nomad-api.js";
import { isRunning } from "./targets/index.js";
import { notify, type DriftEvent, type RolloutObserver } from "./model/index.js";
import { isActive, type RolloutRecord } from "./model/index.js";
import { renderedValue } from "./targets/index.js";
import type { ServiceRunner } from "./runner/index.js";
import { resolveTargets, type JobListing } from "./targets/index.js";

/** Dedupe records of webhook deliveries (`DeliveryStore` in src/state/). */
export interface DeliveryExpirer {
  expire(olderThanMs: number): Promise<number>;
}

export interface ReconcileDeps {
  services: ServiceConfig[];
  runners: ReadonlyMap<string, ServiceRunner>;
  loadRecord: (service: string) => Promise<RolloutRecord | undefined>;
  /** Reads the records again before the tick (the first tick of a round). */
  refreshRecords?: () => Promise<void>;
  /** The value of a watched key as the KV watch last saw it; undefined before its first answer. */
  desired: (key: string) => string | undefined;
  nomad: NomadApi;
  clock: Clock;
  logger: Logger;
  observers: RolloutObserver[];
  nomadDefaults: NomadScope;
  deliveries?: DeliveryExpirer;
  deliveryTtlMs: number;
}

export interface ReconcileReport {
  /** The services this tick looked at, in order. */
  swept: string[];
  /** Services whose rollout was left running with nobody driving it, now resumed. */
  resumed: string[];
  drift: Array<Omit<DriftEvent, "type" | "at">>;
  expiredDeliveries: number;
  errors: string[];
}

/**
 * One tick of the periodic sweep (README, "Operations": Reconcile) over the services it is given
 * (the coordinator hands it the next few in turn). For every service not busy
 * rolling out: look again (a change missed while Consul was away is picked up, a rollout left
 * `running` is resumed); report drift — an allocation whose rendered value is not the desired one
 * although no rollout runs; then expire old delivery dedupe records. One failing service does
 * not stop the sweep.
 */
export async function reconcileOnce(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    swept: deps.services.map((s) => s.name),
    resumed: [],
    drift: [],
    expiredDeliveries: 0,
    errors: [],
  };
  if (deps.refreshRecords) {
    await deps.refreshRecords().catch((err: Error) => report.errors.push(`records: ${err.message}`));
  }
  // One job list for the whole tick, however many services look for jobs opted in to them.
  let jobs: ReturnType<JobListing> | undefined;
  const listing: JobListing = (scope) => (jobs ??= deps.nomad.listJobs(scope));
  for (const service of deps.services) {
    const runner = deps.runners.get(service.name);
    if (!runner || runner.busy()) continue;
    try {
      const record = await deps.loadRecord(service.name);
      if (record && isActive(record)) report.resumed.push(service.name);
      runner.kick();
      if (!record || isActive(record)) continue;
      report.drift.push(...(await driftOf(deps, service, listing)));
    } catch (err) {
      report.errors.push(`${service.name}: ${(err as Error).message}`);
    }
  }
  for (const drift of report.drift) {
    deps.logger.warn(drift, "drift: allocation renders a value other than the desired one");
    notify(deps.observers, { type: "drift", ...drift, at: deps.clock.now() }, deps.logger);
  }
  if (deps.deliveries) {
    try {
      report.expiredDeliveries = await deps.deliveries.expire(deps.deliveryTtlMs);
    } catch (err) {
      report.errors.push(`deliveries: ${(err as Error).message}`);
    }
  }
  if (report.errors.length > 0) deps.logger.warn({ errors: report.errors }, "reconcile sweep had errors");
  return report;
}

/**
 * The desired value comes from the KV watch, which holds it already; the jobs from one listing
 * per tick. A service that no job renders costs no further request.
 */
async function driftOf(
  deps: ReconcileDeps,
  service: ServiceConfig,
  listing: JobListing,
): Promise<ReconcileReport["drift"]> {
  const desired = deps.desired(service.key);
  if (desired === undefined) return [];
  const drift: ReconcileReport["drift"] = [];
  const targets = await resolveTargets(service, deps.nomad, deps.nomadDefaults, deps.logger, listing);
  for (const target of targets) {
    const allocs = (await deps.nomad.jobAllocations(target.jobId, target.scope)).filter(
      (a) => isRunning(a) && a.TaskGroup === target.group,
    );
    for (const alloc of allocs) {
      for (const file of target.files) {
        const content = await deps.nomad.readAllocFile(alloc.ID, file, target.scope).catch(() => undefined);
        const rendered = content === undefined ? undefined : renderedValue(content, target.valueName);
        if (rendered !== desired) drift.push({ service: service.name, allocId: alloc.ID, desired, rendered });
      }
    }
  }
  return drift;
}
