import type { ServiceConfig } from "../../config/types.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { NomadApi, NomadScope } from "../../nomad/nomad-api.js";
import { notify, type RolloutObserver } from "../model/index.js";
import { CheckQueue } from "./check-queue.js";
import { jobKey, jobOfEvent } from "./event-jobs.js";
import { EventSubscriber, type OpenEventStream } from "./event-subscriber.js";
import { JobServices } from "./job-services.js";

export interface FollowNomadEventsOptions {
  open: OpenEventStream;
  /** The jobs changed after an index (src/nomad/event-stream.ts `jobsChangedSince`), for a reconnect's gap. */
  changedSince?: (index: number) => Promise<Array<{ namespace: string | undefined; id: string }>>;
  services: readonly ServiceConfig[];
  nomad: NomadApi;
  defaults: NomadScope;
  clock: Clock;
  logger: Logger;
  observers: readonly RolloutObserver[];
  /** The leadership term: following stops, and the request closes, when it aborts. */
  signal: AbortSignal;
  busy: (service: string) => boolean;
  /** What one reconcile tick does, for just these services. */
  check: (services: string[]) => Promise<void>;
  /** Default 1 s. */
  debounceMs?: number;
  /** Least time between two `changedSince` look-ups; default 30 s. */
  catchUpEveryMs?: number;
}

/**
 * The leader's view of Nomad-side changes (README, "Running at scale"): every event about a job
 * a service targets — a running allocation, a job registered or changed, a deployment — queues
 * that service for one prompt check, coalesced per service. Without the stream (refused, or
 * Nomad down) the incremental sweep still finds everything, only later.
 */
export async function followNomadEvents(o: FollowNomadEventsOptions): Promise<void> {
  const jobs = new JobServices(o.services, o.defaults.namespace);
  try {
    jobs.seed(await o.nomad.listJobs({ ...o.defaults, namespace: "*" }));
  } catch (err) {
    // Opt-ins then come from the stream's Job events only; configured jobs need no listing.
    o.logger.warn({ err }, "could not list Nomad jobs for their tagroll_service opt-in");
  }
  const queue = new CheckQueue({
    debounceMs: o.debounceMs ?? 1_000,
    clock: o.clock,
    logger: o.logger,
    signal: o.signal,
    busy: o.busy,
    check: o.check,
  });
  const changedSince = o.changedSince;
  const subscriber = new EventSubscriber({
    open: o.open,
    clock: o.clock,
    logger: o.logger,
    observers: o.observers,
    onFrame: (frame) => {
      for (const event of frame.Events) {
        jobs.learn(event);
        const job = jobOfEvent(event);
        if (job !== undefined) queue.add(jobs.servicesOf(job));
      }
    },
    ...(changedSince && { catchUp: catchUps(o, changedSince, jobs, queue) }),
  });
  await subscriber.run(o.signal);
  await queue.idle();
}

/**
 * What runs after a reconnect: the look-up of what changed while the stream was away, spaced,
 * and retried while it fails. A failure is said where an operator looks — the log, the
 * `nomad-events` observers (metrics; the leader key, hence status and the page) — and so is the
 * look-up that finally gets through.
 */
function catchUps(
  o: FollowNomadEventsOptions,
  changedSince: NonNullable<FollowNomadEventsOptions["changedSince"]>,
  jobs: JobServices,
  queue: CheckQueue,
): (since: number) => Promise<void> {
  const everyMs = o.catchUpEveryMs ?? 30_000;
  const tell = (state: "gap-unchecked" | "gap-checked", reason?: string) =>
    notify(
      o.observers,
      { type: "nomad-events", state, ...(reason && { reason }), at: o.clock.now() },
      o.logger,
    );
  let unchecked = false;
  const lookUp = async (since: number) => {
    const changed = await changedSince(since);
    const services = [
      ...new Set(changed.flatMap(({ namespace, id }) => jobs.servicesOf(jobKey(namespace ?? "", id)))),
    ];
    // The first names only: after a long outage of a large cluster this can be every service.
    o.logger.info(
      { since, changes: changed.length, services: services.length, names: services.slice(0, 20) },
      "checked what changed in Nomad while its event stream was away",
    );
    queue.add(services);
    if (unchecked) tell("gap-checked");
    unchecked = false;
  };
  const failed = (err: unknown, since: number) => {
    o.logger.warn(
      { err, since, retryInMs: everyMs },
      "could not list what changed in Nomad while its event stream was away; trying again " +
        "(the reconcile sweep may find it first)",
    );
    unchecked = true;
    tell("gap-unchecked", err instanceof Error ? err.message : String(err));
  };
  return spacedLookUps(o.clock, o.signal, everyMs, lookUp, failed);
}

/**
 * `lookUp` at most once per `everyMs`: the look-up lists every running allocation of the cluster,
 * so a flapping connection must not repeat it on each reconnect. A call inside the interval waits
 * for its end and then runs once for every call made meanwhile, from the oldest index asked for.
 * A look-up that fails is told to `failed` and tried again from the same index an interval
 * later, so a gap is not forgotten because Nomad was briefly out of reach. None runs once the
 * leadership term (`signal`) is over. The returned function never rejects.
 */
export function spacedLookUps(
  clock: Clock,
  signal: AbortSignal,
  everyMs: number,
  lookUp: (since: number) => Promise<void>,
  failed: (err: unknown, since: number) => void,
): (since: number) => Promise<void> {
  let last = -Infinity;
  let waiting: number | undefined;
  let scheduled = false;
  const spaced = async (since: number): Promise<void> => {
    waiting = Math.min(waiting ?? since, since);
    if (scheduled) return;
    const wait = last + everyMs - clock.now();
    if (wait > 0) {
      scheduled = true;
      // Leadership lost meanwhile: nothing to look up for.
      await clock.sleep(wait, signal).catch(() => undefined);
      scheduled = false;
    }
    if (signal.aborted) return;
    const from = waiting;
    waiting = undefined;
    last = clock.now();
    try {
      await lookUp(from);
    } catch (err) {
      failed(err, from);
      await spaced(from);
    }
  };
  return spaced;
}
