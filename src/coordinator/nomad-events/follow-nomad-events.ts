import type { ServiceConfig } from "../../config/types.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { NomadApi, NomadScope } from "../../nomad/nomad-api.js";
import type { RolloutObserver } from "../model/index.js";
import { CheckQueue } from "./check-queue.js";
import { jobOfEvent } from "./event-jobs.js";
import { EventSubscriber, type OpenEventStream } from "./event-subscriber.js";
import { JobServices } from "./job-services.js";

export interface FollowNomadEventsOptions {
  open: OpenEventStream;
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
  });
  await subscriber.run(o.signal);
  await queue.idle();
}
