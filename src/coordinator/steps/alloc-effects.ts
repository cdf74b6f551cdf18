import type { AllocEffects, AllocWalk } from "./alloc-machine.js";
import { drainAlloc, servicesToDrain, undrainAlloc } from "./drain-alloc.js";
import { healthGate } from "./health-gate.js";
import { issueRestart } from "./restart-alloc.js";
import type { AllocProgress, AllocStepState } from "../model/index.js";
import { retrying, type AllocRef, type StepContext } from "./step-context.js";
import type { GroupTarget } from "../targets/index.js";
import { confirmRendered, waitRendered } from "./wait-rendered.js";
import { waitRunning } from "./wait-running.js";

/** What every allocation of one batch shares. */
export interface AllocTurn extends StepContext {
  target: GroupTarget;
  /** The value the batch moves its allocations to. */
  value: string;
  /** The digest its files must render too (RolloutRecord.digest); undefined when not pinned. */
  digest?: string | undefined;
  renderTimeoutMs: number;
  /** A newer value is waiting: do not restart into this one any more. */
  superseded(): boolean;
  /** Another allocation of the batch failed: do not touch this one. */
  halted(): boolean;
  /** Records the allocation's new state in the rollout record (and tells observers). */
  persist(entry: AllocProgress, state: AllocStepState, error?: string): Promise<void>;
}

/** A walk for `entry`, starting from the state its record holds, acting on the real agents. */
export function newWalk(turn: AllocTurn, entry: AllocProgress): AllocWalk {
  return {
    entry,
    value: turn.value,
    target: turn.target,
    renderTimeoutMs: turn.renderTimeoutMs,
    now: () => turn.clock.now(),
    logger: turn.logger,
    effects: agentEffects(turn, { allocId: entry.allocId, scope: turn.target.scope }),
    superseded: turn.superseded,
    halted: turn.halted,
    resuming: true,
  };
}

/** The steps' effects on Nomad and Consul, each retried while the agent is unreachable. */
export function agentEffects(turn: AllocTurn, ref: AllocRef): AllocEffects {
  const { target, value } = turn;
  const expected = { value, digest: turn.digest };
  return {
    waitRendered: () => waitRendered(turn, ref, target, expected, turn.renderTimeoutMs, turn.superseded),
    servicesToDrain: () => servicesToDrain(turn, ref, target),
    drain: (services) => drainAlloc(turn, services, `tagroll: restarting for ${value}`, target.drainMs),
    undrain: (services) => undrainAlloc(turn, services),
    getAllocation: () => retrying(turn, () => turn.nomad.getAllocation(ref.allocId, ref.scope)),
    restart: (tasks, marks) => issueRestart(turn, ref, tasks, marks),
    waitRunning: (marks, deadline) => waitRunning(turn, ref, marks, deadline),
    waitHealthy: (tasks, deadline) => healthGate(turn, ref, target, tasks, deadline),
    confirmRendered: () => confirmRendered(turn, ref, target, expected),
  };
}
