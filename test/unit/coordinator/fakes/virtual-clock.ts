import type { Clock } from "../../../../src/core/clock.js";

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * A Clock whose time only moves when every actor is waiting on it: once the microtask queue has
 * drained (checked with setImmediate), time jumps to the earliest pending sleep and wakes it.
 * Rollouts that take minutes of "time" then run in milliseconds, deterministically, as long as
 * the fakes they talk to answer through promises only.
 */
export class VirtualClock implements Clock {
  private t = Date.UTC(2026, 0, 1);
  private timers: Timer[] = [];
  private pending = false;

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
      this.schedule();
    });
  }

  /** Waits (in virtual time) until `probe` holds; fails after `limitMs` of virtual time. */
  async until(probe: () => boolean, limitMs = 3_600_000): Promise<void> {
    const end = this.t + limitMs;
    while (!probe()) {
      if (this.t > end) throw new Error("condition not met in virtual time");
      await this.sleep(10);
    }
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.advance();
    });
  }

  private advance(): void {
    if (this.timers.length === 0) return;
    const earliest = Math.min(...this.timers.map((x) => x.at));
    this.t = Math.max(this.t, earliest);
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const timer of due) timer.resolve();
    if (this.timers.length > 0) this.schedule();
  }
}
