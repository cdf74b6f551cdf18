import { allocCondition } from "./alloc-state.js";
import { drainAlloc, servicesToDrain, undrainAlloc } from "./drain-alloc.js";
import { healthGate } from "./health-gate.js";
import { issueRestart, restartedTasks, restartObserved, taskMarks } from "./restart-alloc.js";
import type { AllocProgress, AllocStepState } from "./rollout-record.js";
import { Deadline, retrying, type AllocRef, type StepContext } from "./step-context.js";
import type { GroupTarget } from "./targets.js";
import { confirmRendered, waitRendered } from "./wait-rendered.js";
import { waitRunning } from "./wait-running.js";

/** What one allocation's turn ended with. `held`: not restarted (superseded or batch halted). */
export type AllocOutcome = "healthy" | "failed" | "held" | "gone";

export interface AllocTurn extends StepContext {
  target: GroupTarget;
  /** The value this allocation is being moved to. */
  value: string;
  renderTimeoutMs: number;
  /** A newer value is waiting: do not restart into this one any more. */
  superseded(): boolean;
  /** Another allocation of the batch failed: do not touch this one. */
  halted(): boolean;
  /** Records the allocation's new state in the rollout record (and tells observers). */
  persist(entry: AllocProgress, state: AllocStepState, error?: string): Promise<void>;
}

/**
 * One allocation through the five steps of the design's rollout loop. Re-entrant: called on an
 * entry a previous leader left half-way, it continues from the persisted state and only issues
 * the restart if Nomad shows no sign of the earlier one (issue 4, item 7).
 */
export async function rollAlloc(turn: AllocTurn, entry: AllocProgress): Promise<AllocOutcome> {
  const ref: AllocRef = { allocId: entry.allocId, scope: turn.target.scope };
  const resumed =
    entry.restartedFor === turn.value && entry.marks !== undefined && entry.restartedAt !== undefined;
  if (resumed && entry.state === "healthy") return "healthy";

  if (!resumed) {
    const started = await renderAndRestart(turn, ref, entry);
    if (started !== "restarted") return started;
  } else if (entry.state === "restarting" || entry.state === "rendering" || entry.state === "pending") {
    const alloc = await retrying(turn, () => turn.nomad.getAllocation(ref.allocId, ref.scope));
    if (allocCondition(alloc) === "gone" || !alloc) return "gone";
    if (!restartObserved(alloc, entry.marks ?? {})) {
      turn.logger.info({ allocId: ref.allocId }, "resuming: restart was recorded but never reached Nomad");
      await issueRestart(
        turn,
        ref,
        turn.target.tasks.length === 0 ? "all" : Object.keys(entry.marks ?? {}),
        entry.marks ?? {},
      );
    }
  }

  // A resumed allocation gets a fresh deadline: time without a leader is not its fault.
  const base = resumed ? turn.clock.now() : (entry.restartedAt ?? turn.clock.now());
  const deadline = new Deadline(base + turn.target.params.healthyDeadlineMs);
  if (entry.state !== "health") await turn.persist(entry, "health");
  const marks = entry.marks ?? {};
  const running = await waitRunning(turn, ref, marks, deadline);
  if (running.kind === "gone") return "gone";
  if (running.kind === "failed") return fail(turn, entry, running.reason);

  const health = await healthGate(turn, ref, turn.target, Object.keys(marks), deadline);
  if (health.kind === "gone") return "gone";
  if (health.kind === "failed") return fail(turn, entry, health.reason);

  const confirmed = await confirmRendered(turn, ref, turn.target, turn.value);
  if (!confirmed.ok && !turn.superseded()) {
    return fail(
      turn,
      entry,
      `rendered ${JSON.stringify(confirmed.found)} after the restart, not ${turn.value}`,
    );
  }
  await undrainAlloc(turn, entry.drained);
  delete entry.drained;
  await turn.persist(entry, "healthy");
  return "healthy";
}

/** Steps 1 and 2: wait for the new value to render, then restart (marks persisted first). */
async function renderAndRestart(
  turn: AllocTurn,
  ref: AllocRef,
  entry: AllocProgress,
): Promise<"restarted" | AllocOutcome> {
  await turn.persist(entry, "rendering");
  // With `render_templates = true` the restart itself re-renders, blocking, before the task
  // starts (reference/nomad-consul.md) — and on Nomad < 2.0.3 an all-noop template is never
  // re-rendered otherwise, so waiting here would only wait for the timeout.
  if (!turn.target.rendersOnRestart) {
    const rendered = await waitRendered(
      turn,
      ref,
      turn.target,
      turn.value,
      turn.renderTimeoutMs,
      turn.superseded,
    );
    if (rendered === "superseded") return hold(turn, entry);
    if (rendered === "timeout")
      return fail(turn, entry, `${turn.value} not rendered within ${turn.renderTimeoutMs} ms`);
  }
  if (turn.halted() || turn.superseded()) return hold(turn, entry);
  const services = await servicesToDrain(turn, ref, turn.target);
  if (services.length > 0) {
    entry.drained = services;
    await turn.persist(entry, "draining");
    await drainAlloc(turn, services, `tagroll: restarting for ${turn.value}`, turn.target.drainMs);
    if (turn.halted()) return hold(turn, entry);
  }
  const alloc = await retrying(turn, () => turn.nomad.getAllocation(ref.allocId, ref.scope));
  if (!alloc || allocCondition(alloc) !== "ok") return "gone";
  const tasks = restartedTasks(alloc, turn.target.tasks);
  entry.marks = taskMarks(alloc, tasks);
  entry.restartedFor = turn.value;
  entry.restartedAt = turn.clock.now();
  // Persisted before the request: a crash after this point never leads to a second restart.
  await turn.persist(entry, "restarting");
  await issueRestart(turn, ref, turn.target.tasks.length === 0 ? "all" : tasks, entry.marks);
  return "restarted";
}

async function hold(turn: AllocTurn, entry: AllocProgress): Promise<AllocOutcome> {
  await undrainAlloc(turn, entry.drained);
  delete entry.drained;
  await turn.persist(entry, "pending");
  return "held";
}

async function fail(turn: AllocTurn, entry: AllocProgress, reason: string): Promise<AllocOutcome> {
  turn.logger.warn({ allocId: entry.allocId, reason }, "allocation failed its rollout step");
  await turn.persist(entry, "failed", reason);
  return "failed";
}
