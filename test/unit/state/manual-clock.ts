import type { Clock } from "../../../src/core/clock.js";

/** A clock that only moves when slept on or advanced; records every sleep. */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];

  constructor(private time = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    // Yield so other "concurrent" writers in a test get to run, as real time would allow.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
