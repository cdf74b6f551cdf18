import type { NomadEvent } from "./event-frames.js";

/** A job as the event stream names it: `<namespace>/<id>`. */
export function jobKey(namespace: string, id: string): string {
  return `${namespace || "default"}/${id}`;
}

/**
 * The job an event may have changed the rendered values of, or undefined when it cannot have:
 * an allocation that is running (a new one, or one that just started: its templates rendered
 * before its tasks ran), any change to a job (registered, re-registered, stopped) or to one of
 * its deployments. Payload shapes: nomad/state/events.go (an allocation event carries no Job).
 */
export function jobOfEvent(event: NomadEvent): string | undefined {
  const namespace = event.Namespace;
  switch (event.Topic) {
    case "Allocation": {
      const alloc = event.Payload?.Allocation;
      if (!alloc?.JobID || alloc.ClientStatus !== "running" || alloc.DesiredStatus !== "run")
        return undefined;
      return jobKey(alloc.Namespace ?? namespace, alloc.JobID);
    }
    case "Job": {
      const job = event.Payload?.Job;
      return jobKey(job?.Namespace ?? namespace, job?.ID ?? event.Key);
    }
    case "Deployment": {
      const deployment = event.Payload?.Deployment;
      return deployment?.JobID ? jobKey(deployment.Namespace ?? namespace, deployment.JobID) : undefined;
    }
    default:
      return undefined;
  }
}

/** The service a Job event's meta opts the job in to (`meta { tagroll_service = … }`), if any. */
export function optInOfEvent(
  event: NomadEvent,
  metaKey: string,
): { job: string; service?: string } | undefined {
  if (event.Topic !== "Job") return undefined;
  const job = event.Payload?.Job;
  if (!job) return undefined;
  const service = job.Meta?.[metaKey];
  return {
    job: jobKey(job.Namespace ?? event.Namespace, job.ID ?? event.Key),
    ...(service ? { service } : {}),
  };
}
