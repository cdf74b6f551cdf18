import type { CoordinatorEvent } from "../coordinator/index.js";

/** One human line per coordinator event, for `tagroll dev` and `deploy --wait`. */
export function formatEvent(event: CoordinatorEvent): string {
  switch (event.type) {
    case "rollout-started":
      return `${event.service}: ${event.resumed ? "resuming" : "starting"} ${event.kind} to ${event.value}${
        event.previousValue ? ` (from ${event.previousValue})` : ""
      }`;
    case "alloc-step":
      return `${event.service}: ${event.jobId}/${event.allocName} ${event.allocId.slice(0, 8)} ${event.step}${
        event.error ? `: ${event.error}` : ""
      }`;
    case "rollout-superseded":
      return `${event.service}: ${event.from} superseded by ${event.to}`;
    case "rollout-reverting":
      return `${event.service}: reverting ${event.from} → ${event.to}: ${event.reason}`;
    case "rollout-finished":
      return `${event.service}: rollout ${event.status} on ${event.value} after ${(event.durationMs / 1000).toFixed(1)}s${
        event.error ? ` (${event.error})` : ""
      }`;
    case "drift":
      return `${event.service}: allocation ${event.allocId.slice(0, 8)} renders ${event.rendered ?? "nothing"}, desired ${event.desired}`;
    case "leadership":
      return event.leader ? "this instance now coordinates rollouts" : "this instance stopped coordinating";
    case "gate":
      return `${event.service}: ${event.value} ${event.change}: ${event.message}`;
    case "nomad-events":
      if (event.state === "gap-unchecked")
        return `Nomad: what changed while the event stream was away could not be listed${event.reason ? `: ${event.reason}` : ""}; trying again`;
      if (event.state === "gap-checked")
        return "Nomad: what changed while the event stream was away is now listed";
      return `Nomad event stream ${event.state}${event.reason ? `: ${event.reason}` : ""}`;
  }
}
