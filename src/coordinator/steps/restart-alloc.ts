import type { NomadAllocation, NomadTaskState } from "../../nomad/nomad-api.js";
import { ensureLeading } from "../leader/index.js";
import type { TaskMark } from "../model/index.js";
import { retrying, type AllocRef, type StepContext } from "./step-context.js";

/**
 * The tasks a rollout restarts in this allocation: the target's, or every running one (a
 * finished prestart task is not expected to run again).
 */
export function restartedTasks(alloc: NomadAllocation, tasks: string[]): string[] {
  const states = Object.entries(alloc.TaskStates ?? {});
  if (tasks.length > 0) return tasks.filter((task) => alloc.TaskStates?.[task] !== undefined);
  return states.filter(([, state]) => state.State === "running").map(([task]) => task);
}

/** Snapshot of each task just before the restart (see TaskMark). */
export function taskMarks(alloc: NomadAllocation, tasks: string[]): Record<string, TaskMark> {
  const marks: Record<string, TaskMark> = {};
  for (const task of tasks) {
    const state = alloc.TaskStates?.[task];
    marks[task] = {
      startedAt: state?.StartedAt ?? null,
      restarts: state?.Restarts ?? 0,
      lastEventTime: Math.max(0, ...(state?.Events ?? []).map((e) => e.Time)),
    };
  }
  return marks;
}

/**
 * True when Nomad has acted on a restart since the marks were taken: a new start time, a higher
 * restart count, a "Restart Signaled" event newer than the mark, or a task no longer running.
 * Used on resume and after a failed request, so a restart is never issued twice for one value.
 */
export function restartObserved(alloc: NomadAllocation, marks: Record<string, TaskMark>): boolean {
  return Object.entries(marks).some(([task, mark]) => {
    const state: NomadTaskState | undefined = alloc.TaskStates?.[task];
    if (!state) return false;
    return (
      state.StartedAt !== mark.startedAt ||
      state.Restarts > mark.restarts ||
      state.State !== "running" ||
      (state.Events ?? []).some((e) => e.Type === "Restart Signaled" && e.Time > mark.lastEventTime)
    );
  });
}

/**
 * Step 2: `POST /v1/client/allocation/:id/restart` for each task (one request for all tasks when
 * the target restarts every task). Leadership is checked right before each request — the one
 * thing tagroll does that cannot be taken back. If a request fails because the agent cannot be
 * reached, the allocation is re-read first so a restart Nomad already acted on is not repeated.
 */
export async function issueRestart(
  ctx: StepContext,
  ref: AllocRef,
  tasks: string[] | "all",
  marks: Record<string, TaskMark>,
): Promise<void> {
  const requests: Array<string | undefined> = tasks === "all" ? [undefined] : tasks;
  for (const task of requests) {
    let first = true;
    await retrying(ctx, async () => {
      if (!first) {
        const alloc = await ctx.nomad.getAllocation(ref.allocId, ref.scope);
        if (alloc && restartObserved(alloc, task ? { [task]: marks[task] as TaskMark } : marks)) return;
      }
      first = false;
      ensureLeading(ctx.signal);
      await ctx.nomad.restartAllocation(ref.allocId, task, ref.scope);
    });
  }
}
