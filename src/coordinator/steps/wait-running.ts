import { allocCondition, deadTask } from "../targets/index.js";
import type { TaskMark } from "../model/index.js";
import { retrying, type AllocRef, type Deadline, type StepContext } from "./step-context.js";

export type RunningOutcome = { kind: "running" } | { kind: "gone" } | { kind: "failed"; reason: string };

/**
 * Step 3: wait until every restarted task runs again with a start time other than the one it
 * had before the restart (Nomad's restart call returns once the task has exited, not once it
 * runs again). Fails on a task that died for good, or at the deadline.
 */
export async function waitRunning(
  ctx: StepContext,
  ref: AllocRef,
  marks: Record<string, TaskMark>,
  deadline: Deadline,
): Promise<RunningOutcome> {
  const tasks = Object.keys(marks);
  for (;;) {
    const alloc = await retrying(ctx, () => ctx.nomad.getAllocation(ref.allocId, ref.scope), deadline);
    const condition = allocCondition(alloc);
    if (condition === "gone") return { kind: "gone" };
    if (!alloc || condition === "failed")
      return { kind: "failed", reason: `allocation ${alloc?.ClientStatus ?? "vanished"}` };
    const dead = deadTask(alloc, tasks);
    if (dead) return { kind: "failed", reason: dead };
    const restarted = tasks.every((task) => {
      const state = alloc.TaskStates?.[task];
      return state?.State === "running" && state.StartedAt !== marks[task]?.startedAt;
    });
    if (restarted) return { kind: "running" };
    if (deadline.passed(ctx.clock.now()))
      return { kind: "failed", reason: "task not running again before healthy_deadline" };
    await ctx.clock.sleep(ctx.timing.pollMs, ctx.signal);
  }
}
