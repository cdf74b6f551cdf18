/**
 * Nomad's event stream driving reconcile (issue 14; README, "Running at scale"): the subscriber,
 * the job → service map and the per-service check queue.
 */
export { CheckQueue } from "./check-queue.js";
export { EventFrames, type NomadEvent, type NomadEventFrame } from "./event-frames.js";
export { jobKey, jobOfEvent } from "./event-jobs.js";
export { EventSubscriber, type OpenEventStream } from "./event-subscriber.js";
export { followNomadEvents, type FollowNomadEventsOptions } from "./follow-nomad-events.js";
export { JobServices } from "./job-services.js";
