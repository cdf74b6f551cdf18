import type { Clock } from "../../core/clock.js";
import { UpstreamUnavailableError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { ServiceHealth } from "../../kv/kv-store.js";
import type { NomadApi, NomadScope } from "../../nomad/nomad-api.js";
import { Backoff } from "../../core/backoff.js";
import { ensureLeading } from "../leader/index.js";

/** Poll intervals of the rollout steps; tests shrink them. */
export interface EngineTiming {
  /** Between reads of a rendered file while waiting for the new value. */
  renderPollMs: number;
  /** Between reads of task state and checks while waiting for running / healthy. */
  pollMs: number;
  /**
   * Longest wait of the health gate's blocking query on the allocation's Consul checks; a check
   * that flips ends it at once (steps/health-gate.ts).
   */
  watchMs: number;
}

export const DEFAULT_TIMING: EngineTiming = { renderPollMs: 100, pollMs: 250, watchMs: 1_000 };

/** What every step of one allocation needs. `signal` aborts when leadership is lost. */
export interface StepContext {
  nomad: NomadApi;
  health: ServiceHealth;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  timing: EngineTiming;
}

export interface AllocRef {
  allocId: string;
  scope: NomadScope;
}

/** A step's deadline. Time spent waiting out an unreachable agent is added back to it. */
export class Deadline {
  constructor(public at: number) {}

  extend(ms: number): void {
    this.at += ms;
  }

  passed(now: number): boolean {
    return now >= this.at;
  }
}

/**
 * Runs `call`, retrying while Nomad or Consul is unreachable, with backoff, until
 * it answers or leadership is lost. An outage neither fails the allocation nor eats its deadline.
 */
export async function retrying<T>(
  ctx: Pick<StepContext, "clock" | "logger" | "signal">,
  call: () => Promise<T>,
  deadline?: Deadline,
): Promise<T> {
  const backoff = new Backoff(250, 5_000);
  let failedAt: number | undefined;
  for (;;) {
    ensureLeading(ctx.signal);
    try {
      const result = await call();
      if (deadline && failedAt !== undefined) deadline.extend(ctx.clock.now() - failedAt);
      return result;
    } catch (err) {
      if (!(err instanceof UpstreamUnavailableError)) throw err;
      failedAt ??= ctx.clock.now();
      const waitFor = backoff.next();
      ctx.logger.warn(
        { err: err.message, upstream: err.upstream, retryInMs: waitFor },
        "upstream unavailable; retrying",
      );
      await ctx.clock.sleep(waitFor, ctx.signal);
    }
  }
}
