import type { NomadDeployment } from "../../nomad/deploy-api.js";

/** What following a Nomad deployment calls for next. */
export type DeploymentDecision =
  /** Still running (or paused, pending, blocked): wait for the next change. */
  | { kind: "wait" }
  /** Every canary of these groups is healthy and nobody promotes them but us. */
  | { kind: "promote"; groups: string[] }
  | { kind: "succeeded" }
  /** Failed; `nomadReverts` when Nomad's own auto_revert is rolling the job back. */
  | { kind: "failed"; reason: string; nomadReverts: boolean }
  /** Cancelled: a newer version of the job was registered, or the job was stopped. */
  | { kind: "cancelled"; reason: string };

/**
 * The decision for one deployment, pure (levant's deployment watcher is the model: a switch on
 * the status). Canaries are promoted once every canary of a group is healthy, unless the group
 * promotes itself (`auto_promote`). A failed deployment whose description says Nomad is rolling
 * back ("… - rolling back to job version N", nomad/deploymentwatcher) is left to Nomad.
 */
export function decideDeployment(deployment: NomadDeployment): DeploymentDecision {
  switch (deployment.Status) {
    case "successful":
      return { kind: "succeeded" };
    case "failed":
      return {
        kind: "failed",
        reason: `Nomad deployment ${shortId(deployment.ID)} failed: ${deployment.StatusDescription}`,
        nomadReverts: /rolling back to job version/i.test(deployment.StatusDescription),
      };
    case "cancelled":
      return { kind: "cancelled", reason: deployment.StatusDescription };
    case "running": {
      const groups = promotable(deployment);
      return groups.length > 0 ? { kind: "promote", groups } : { kind: "wait" };
    }
    default:
      return { kind: "wait" };
  }
}

/** Groups whose canaries are all placed and healthy, waiting for a promotion nobody else gives. */
export function promotable(deployment: NomadDeployment): string[] {
  return Object.entries(deployment.TaskGroups ?? {})
    .filter(
      ([, g]) =>
        g.DesiredCanaries > 0 &&
        !g.Promoted &&
        !g.AutoPromote &&
        (g.PlacedCanaries?.length ?? 0) >= g.DesiredCanaries &&
        g.HealthyAllocs >= g.DesiredCanaries,
    )
    .map(([name]) => name)
    .sort();
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
