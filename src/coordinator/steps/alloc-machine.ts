import type { Logger } from "../../core/logger.js";
import type { NomadAllocation } from "../../nomad/nomad-api.js";
import { allocCondition } from "../targets/index.js";
import type { HealthOutcome } from "./health-gate.js";
import { restartedTasks, restartObserved, taskMarks } from "./restart-alloc.js";
import type { AllocProgress, AllocStepState, TaskMark } from "../model/index.js";
import { Deadline } from "./step-context.js";
import type { GroupTarget } from "../targets/index.js";
import type { RenderOutcome } from "./wait-rendered.js";
import type { RunningOutcome } from "./wait-running.js";

/** What one allocation's walk ended with. `held`: not restarted (superseded or batch halted). */
export type AllocOutcome = "healthy" | "failed" | "held" | "gone";

/** What a step leads to: the state to persist and advance from next, or the end of the walk. */
export type AllocStep = { next: AllocStepState; error?: string } | { outcome: AllocOutcome };

/**
 * Everything a step does outside the process, for one allocation of one target (see
 * alloc-effects.ts for the real ones). Table tests script these answers.
 */
export interface AllocEffects {
  /** Waits until the rendered files hold the value, up to the render timeout. */
  waitRendered(): Promise<RenderOutcome>;
  /** The allocation's Consul service instances to take out of rotation before its restart. */
  servicesToDrain(): Promise<string[]>;
  /** Puts them into maintenance and waits the delay; returns those the agent refused. */
  drain(services: string[]): Promise<string[]>;
  undrain(services: string[] | undefined): Promise<void>;
  getAllocation(): Promise<NomadAllocation | undefined>;
  /** The restart request(s), leadership checked right before each. */
  restart(tasks: string[] | "all", marks: Record<string, TaskMark>): Promise<void>;
  waitRunning(marks: Record<string, TaskMark>, deadline: Deadline): Promise<RunningOutcome>;
  waitHealthy(tasks: string[], deadline: Deadline): Promise<HealthOutcome>;
  confirmRendered(): Promise<{ ok: boolean; found: Record<string, string | undefined> }>;
}

/** One allocation on its way to one value, within one batch. */
export interface AllocWalk {
  readonly entry: AllocProgress;
  /** The value this allocation is being moved to. */
  readonly value: string;
  readonly target: GroupTarget;
  readonly renderTimeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly effects: AllocEffects;
  /** A newer value is waiting: do not restart into this one any more. */
  superseded(): boolean;
  /** Another allocation of the batch failed: do not touch this one. */
  halted(): boolean;
  /**
   * True while `entry.state` is the state read from the record — left by a previous leader, a
   * crashed process or an earlier batch — and false once this walk has moved it itself.
   */
  resuming: boolean;
  /** The `healthy_deadline` of this walk, set when the allocation enters `health`. */
  deadline?: Deadline;
  /** The tasks `markForRestart` chose, for the request that follows it. */
  restartTasks?: string[];
}

/**
 * Walks one allocation through the rollout steps: advance one state, persist it (which also tells
 * the observers), repeat — until a step ends the walk. Every state is persisted before the work
 * it names begins, so whoever reads the record next resumes from it.
 */
export async function walkAlloc(
  walk: AllocWalk,
  persist: (entry: AllocProgress, state: AllocStepState, error?: string) => Promise<void>,
): Promise<AllocOutcome> {
  for (;;) {
    const step = await advance(walk);
    if ("outcome" in step) return step.outcome;
    await persist(walk.entry, step.next, step.error);
    logStep(walk, step);
    walk.resuming = false;
  }
}

/** One info line per step an allocation enters: what an operator follows in `tagroll serve`'s log. */
function logStep(walk: AllocWalk, step: { next: AllocStepState; error?: string }): void {
  const { entry } = walk;
  const fields: Record<string, unknown> = { allocId: entry.allocId, alloc: entry.name, value: walk.value };
  if (step.error) fields["error"] = step.error;
  if (step.next === "restarting" && entry.undrained) fields["undrained"] = entry.undrained;
  walk.logger.info(fields, `allocation ${step.next}`);
}

/**
 * The state machine of one allocation (ARCHITECTURE.md has the diagram):
 *
 *   pending → rendering → [draining] → restarting → health → healthy
 *   rendering, draining → pending (held)      rendering, health → failed
 *
 * Each case says what happens in that state, both when this walk has just entered it and when
 * the state was read from the record (`resuming`: a new leader, a restarted process, or the next
 * batch). The rule that keeps "never restart an allocation twice for one value" is in
 * `restartRecorded`: `restartedFor`, the marks and `restartedAt` are persisted with `restarting`
 * *before* the request goes out, so a resumed allocation without them was never restarted for
 * this value — whatever its state, it starts over at `rendering`.
 */
export async function advance(walk: AllocWalk): Promise<AllocStep> {
  if (walk.resuming && !restartRecorded(walk)) return { next: "rendering" };
  switch (walk.entry.state) {
    case "pending":
      // Entered: the walk was held before its restart. Resumed with a restart recorded for this
      // value (a rollout superseded and then back): make sure that restart happened.
      return walk.resuming ? confirmRestart(walk) : { outcome: "held" };
    case "rendering":
      // Resumed with a restart recorded for this value: as for `pending`.
      return walk.resuming ? confirmRestart(walk) : render(walk);
    case "draining":
      // Resumed with a restart recorded for this value: it went out in an earlier pass; wait for health.
      return walk.resuming ? healthFromNow(walk) : drain(walk);
    case "restarting":
      // Resumed: the restart was recorded but may never have reached Nomad; issued only if
      // Nomad shows no sign of it. This is the allocation that was restarting when the leader died.
      return walk.resuming ? confirmRestart(walk) : restart(walk);
    case "health":
      // Resumed: waits again, with a fresh deadline (time without a leader is not its fault).
      return health(walk);
    case "healthy":
      return { outcome: "healthy" };
    case "failed":
      // Resumed with a restart recorded for this value (the leader died before the rollout
      // reacted to the failure): judged again, with a fresh deadline.
      return walk.resuming ? healthFromNow(walk) : { outcome: "failed" };
  }
}

/**
 * States in which a resumed allocation may be out of service already (its restart issued):
 * it goes first in its batch, so it counts against `max_parallel`.
 */
export function isInFlight(state: AllocStepState): boolean {
  return state === "restarting" || state === "health" || state === "failed";
}

/** A restart for this walk's value is persisted (it may or may not have reached Nomad). */
export function restartRecorded(walk: Pick<AllocWalk, "entry" | "value">): boolean {
  const { entry } = walk;
  return entry.restartedFor === walk.value && entry.marks !== undefined && entry.restartedAt !== undefined;
}

/**
 * Step 1, render: wait until the allocation's rendered files hold the value, so the restart
 * starts the task with it. Skipped with `restart { render_templates = true }`: the restart
 * re-renders (blocking) before the task starts (Nomad docs, `restart` block, `render_templates`;
 * https://developer.hashicorp.com/nomad/docs/job-specification/restart), and on Nomad < 2.0.3
 * an all-noop template is not re-rendered otherwise, so the wait would only end at the timeout.
 * Then drain when the allocation has Consul services, else go straight to the restart.
 */
async function render(walk: AllocWalk): Promise<AllocStep> {
  if (!walk.target.rendersOnRestart) {
    const rendered = await walk.effects.waitRendered();
    if (rendered === "superseded") return hold(walk);
    if (rendered === "timeout")
      return fail(walk, `${walk.value} not rendered within ${walk.renderTimeoutMs} ms`);
  }
  if (walk.halted() || walk.superseded()) return hold(walk);
  return planDrain(walk);
}

/**
 * How the allocation leaves rotation before its restart (src/nomad/drain-method.ts). Group
 * services: Nomad drains them itself when the whole allocation is restarted, so straight on to
 * the restart. Task-level Consul services: into `draining`. Whatever cannot be drained is
 * recorded on the entry (`undrained`) before the restart goes out — never silently.
 */
async function planDrain(walk: AllocWalk): Promise<AllocStep> {
  const { entry } = walk;
  const plan = walk.target.drain;
  delete entry.undrained;
  if (plan.method !== "consul-maintenance") {
    entry.drain = plan.method === "group-restart" ? "nomad" : "none";
    if (plan.caveat) entry.undrained = plan.caveat;
    return markForRestart(walk);
  }
  entry.drain = "maintenance";
  const services = await walk.effects.servicesToDrain();
  if (services.length === 0) {
    entry.undrained = "no Consul service instance of the allocation could be put into maintenance";
    return markForRestart(walk);
  }
  entry.drained = services;
  return { next: "draining" };
}

/**
 * Step 2a, drain (task-level Consul services): into maintenance, out of every `?passing`
 * answer, for the job's `shutdown_delay` before the restart; see drain-alloc.ts for why. The
 * agent we talk to refuses services another node's agent registered (hashicorp/consul#1105):
 * those are restarted undrained, and the entry says so.
 */
async function drain(walk: AllocWalk): Promise<AllocStep> {
  const { entry } = walk;
  const refused = await walk.effects.drain(entry.drained ?? []);
  if (refused.length > 0) {
    entry.drained = (entry.drained ?? []).filter((id) => !refused.includes(id));
    entry.undrained =
      `Consul maintenance refused for ${refused.join(", ")} (agent-local, hashicorp/consul#1105): ` +
      "declare the service in the group, with a group shutdown_delay";
  }
  if (walk.halted()) return hold(walk);
  return markForRestart(walk);
}

/**
 * Before the restart: snapshot the tasks (TaskMark) and record the value and time of the
 * restart. They are persisted with `restarting`, before the request: a crash after that point
 * never leads to a second restart.
 */
async function markForRestart(walk: AllocWalk): Promise<AllocStep> {
  const { entry } = walk;
  const alloc = await walk.effects.getAllocation();
  if (!alloc || allocCondition(alloc) !== "ok") return { outcome: "gone" };
  walk.restartTasks = restartedTasks(alloc, wholeAllocation(walk) ? [] : walk.target.tasks);
  entry.marks = taskMarks(alloc, walk.restartTasks);
  entry.restartedFor = walk.value;
  entry.restartedAt = walk.now();
  if (entry.undrained) {
    walk.logger.warn(
      { allocId: entry.allocId, reason: entry.undrained },
      "restarting an allocation undrained",
    );
  }
  return { next: "restarting" };
}

/** Step 2b, restart: `POST /v1/client/allocation/:id/restart`; `healthy_deadline` counts from it. */
async function restart(walk: AllocWalk): Promise<AllocStep> {
  const { entry } = walk;
  const marks = entry.marks ?? {};
  await walk.effects.restart(restartScope(walk, walk.restartTasks ?? Object.keys(marks)), marks);
  walk.deadline = new Deadline((entry.restartedAt ?? walk.now()) + walk.target.params.healthyDeadlineMs);
  return { next: "health" };
}

/**
 * A resumed allocation whose restart was recorded: if Nomad shows no sign of it (TaskMark), the
 * restart never went out and is issued now — once. Then on to `health` with a fresh deadline.
 */
async function confirmRestart(walk: AllocWalk): Promise<AllocStep> {
  const { entry } = walk;
  const alloc = await walk.effects.getAllocation();
  if (allocCondition(alloc) === "gone" || !alloc) return { outcome: "gone" };
  const marks = entry.marks ?? {};
  if (!restartObserved(alloc, marks)) {
    walk.logger.info({ allocId: entry.allocId }, "resuming: restart was recorded but never reached Nomad");
    await walk.effects.restart(restartScope(walk, Object.keys(marks)), marks);
  }
  return healthFromNow(walk);
}

function healthFromNow(walk: AllocWalk): AllocStep {
  walk.deadline = new Deadline(walk.now() + walk.target.params.healthyDeadlineMs);
  return { next: "health" };
}

/** Steps 3 to 5 share the persisted state `health`: running, then healthy, then confirmed. */
async function health(walk: AllocWalk): Promise<AllocStep> {
  walk.deadline ??= new Deadline(walk.now() + walk.target.params.healthyDeadlineMs);
  return (
    (await running(walk, walk.deadline)) ?? (await healthy(walk, walk.deadline)) ?? (await confirm(walk))
  );
}

/** Step 3, running: every restarted task runs again, with a start time other than its mark's. */
async function running(walk: AllocWalk, deadline: Deadline): Promise<AllocStep | undefined> {
  const result = await walk.effects.waitRunning(walk.entry.marks ?? {}, deadline);
  if (result.kind === "gone") return { outcome: "gone" };
  if (result.kind === "failed") return fail(walk, result.reason);
  return undefined;
}

/** Step 4, health: checks pass and stay passing for `min_healthy_time`, within the deadline. */
async function healthy(walk: AllocWalk, deadline: Deadline): Promise<AllocStep | undefined> {
  const result = await walk.effects.waitHealthy(Object.keys(walk.entry.marks ?? {}), deadline);
  if (result.kind === "gone") return { outcome: "gone" };
  if (result.kind === "failed") return fail(walk, result.reason);
  return undefined;
}

/**
 * Step 5, confirm: the rendered files still hold the value (unless a newer value is already
 * waiting); then back into rotation, and the allocation is done.
 */
async function confirm(walk: AllocWalk): Promise<AllocStep> {
  const confirmed = await walk.effects.confirmRendered();
  if (!confirmed.ok && !walk.superseded()) {
    return fail(walk, `rendered ${JSON.stringify(confirmed.found)} after the restart, not ${walk.value}`);
  }
  await walk.effects.undrain(walk.entry.drained);
  delete walk.entry.drained;
  return { next: "healthy" };
}

/** Not restarted after all (superseded, or a batch-mate failed): back into rotation, `pending`. */
async function hold(walk: AllocWalk): Promise<AllocStep> {
  await walk.effects.undrain(walk.entry.drained);
  delete walk.entry.drained;
  return { next: "pending" };
}

/**
 * The allocation failed its step. Services it had put into maintenance are taken out again first:
 * its own (failing) checks keep an unhealthy instance out of rotation, while a maintenance flag
 * left behind would hide it from every load balancer until someone noticed — also when the
 * rollout is left `failed` without autoRevert.
 */
async function fail(walk: AllocWalk, reason: string): Promise<AllocStep> {
  walk.logger.warn({ allocId: walk.entry.allocId, reason }, "allocation failed its rollout step");
  if (walk.entry.drained?.length) {
    await walk.effects.undrain(walk.entry.drained);
    delete walk.entry.drained;
  }
  return { next: "failed", error: reason };
}

/** One request for every task when the target restarts them all, else one per task. */
function restartScope(walk: AllocWalk, tasks: string[]): string[] | "all" {
  return wholeAllocation(walk) ? "all" : tasks;
}

/**
 * The allocation is restarted as a whole (its running tasks, one request without a task name):
 * when the target names no tasks, and whenever its services are at group level — only a
 * whole-allocation restart makes Nomad drain those (src/nomad/drain-method.ts).
 */
function wholeAllocation(walk: AllocWalk): boolean {
  return walk.target.tasks.length === 0 || walk.target.drain.method === "group-restart";
}
