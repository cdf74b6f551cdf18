import type { Clock } from "../../src/core/clock.js";

interface Sleeper {
  until: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A real clock set to another time: it runs at wall-clock speed from wherever `set` put it, so
 * a test can start tagroll on a Saturday and jump to Monday 09:00 when a deploy window should
 * open. Sleeps end at their deadline on this clock: a jump forward wakes every sleep it passes.
 */
export class ShiftedClock implements Clock {
  private offset: number;
  private readonly sleepers = new Set<Sleeper>();

  constructor(start: number) {
    this.offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  /** Moves the clock to `time` (forward only) and wakes the sleeps that are now due. */
  set(time: number): void {
    if (time < this.now()) throw new Error("ShiftedClock only moves forward");
    this.offset = time - Date.now();
    for (const sleeper of [...this.sleepers]) if (sleeper.until <= this.now()) this.wake(sleeper);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(sleeper.timer);
        this.sleepers.delete(sleeper);
        reject(signal?.reason as Error);
      };
      const sleeper: Sleeper = {
        until: this.now() + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        timer: setTimeout(() => this.wake(sleeper), Math.max(0, ms)),
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private wake(sleeper: Sleeper): void {
    clearTimeout(sleeper.timer);
    if (this.sleepers.delete(sleeper)) sleeper.resolve();
  }
}
