import type { NomadAllocation } from "../../nomad/nomad-api.js";

/** How an allocation looks to a waiting step. */
export type AllocCondition = "gone" | "failed" | "ok";

/**
 * "gone": Nomad stopped it on purpose (scale-down, drain, new job version) or forgot it — the
 * plan drops it. "failed": the client gave up on it — the rollout fails.
 */
export function allocCondition(alloc: NomadAllocation | undefined): AllocCondition {
  if (!alloc) return "gone";
  if (alloc.ClientStatus === "failed" || alloc.ClientStatus === "lost") return "failed";
  if (alloc.DesiredStatus !== "run" || alloc.ClientStatus === "complete") return "gone";
  return "ok";
}

/** A running allocation a rollout may restart. */
export function isRunning(alloc: NomadAllocation): boolean {
  return alloc.ClientStatus === "running" && alloc.DesiredStatus === "run";
}

/** The first task (of `tasks`, or any) that died for good, with the reason Nomad gave. */
export function deadTask(alloc: NomadAllocation, tasks?: string[]): string | undefined {
  for (const [name, state] of Object.entries(alloc.TaskStates ?? {})) {
    if (tasks && !tasks.includes(name)) continue;
    if (state.State === "dead" && state.Failed) {
      const last = state.Events?.at(-1);
      return `task ${name} failed${last?.DisplayMessage ? `: ${last.DisplayMessage}` : ""}`;
    }
  }
  return undefined;
}
