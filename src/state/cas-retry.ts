import type { Clock } from "../core/clock.js";
import { ConflictError } from "../core/errors.js";

export interface CasRetryOptions {
  /** Attempts before giving up with `ConflictError`. */
  maxAttempts?: number;
  /** Backoff between attempts goes through this clock, so tests can drive it. */
  clock: Clock;
  /** Uniform in [0, 1); injectable for deterministic tests. */
  random?: () => number;
  /** First backoff ceiling; doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The "full jitter" wait after `round` lost rounds (1, 2, …): uniform in [0, ceiling), the
 * ceiling doubling from `baseMs` up to `capMs`. Shared by casRetry and the batched webhook
 * write (src/ingress/push-write.ts).
 */
export function fullJitterMs(
  round: number,
  random: () => number = Math.random,
  baseMs = 5,
  capMs = 250,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (round - 1)));
}

/** One read-decide-write round: `undefined` means the CAS lost and the round must be redone. */
export type CasAttempt<T> = (attempt: number) => Promise<T | undefined>;

/**
 * Runs `attempt` until it returns a value, sleeping a "full jitter" backoff between rounds so a
 * crowd of writers on one key spreads out instead of colliding again in lockstep.
 * Exhausting `maxAttempts` throws `ConflictError` naming `what`.
 */
export async function casRetry<T>(
  what: string,
  options: CasRetryOptions,
  attempt: CasAttempt<T>,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 20;
  const random = options.random ?? Math.random;
  const base = options.baseBackoffMs ?? 5;
  const cap = options.maxBackoffMs ?? 250;
  for (let n = 1; n <= maxAttempts; n++) {
    const result = await attempt(n);
    if (result !== undefined) return result;
    if (n < maxAttempts) await options.clock.sleep(fullJitterMs(n, random, base, cap));
  }
  throw new ConflictError(`${what}: gave up after ${maxAttempts} conflicting writes`);
}
