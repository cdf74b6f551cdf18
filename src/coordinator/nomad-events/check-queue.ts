import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";

export interface CheckQueueOptions {
  /** A service is checked once no event has named it for this long… */
  debounceMs: number;
  /** …or once this long has passed since the first event still waiting (default 10 × debounceMs). */
  maxWaitMs?: number;
  clock: Clock;
  logger: Logger;
  /** The leadership term: nothing is checked once it aborts. */
  signal: AbortSignal;
  /** True while the service's runner is rolling out; its check waits until it is not. */
  busy: (service: string) => boolean;
  /** Looks at these services once (the coordinator's reconcile of a short list). */
  check: (services: string[]) => Promise<void>;
}

/**
 * Coalesces event-driven checks: a service is checked once its events have been quiet for
 * `debounceMs`, so a burst (a 100-allocation job placing its allocations) costs one check; a
 * burst that goes on is checked every `maxWaitMs`. A service whose runner is busy stays queued
 * and is checked after the rollout, not during it.
 */
export class CheckQueue {
  /** Services waiting: when the first and the last event named them. */
  private readonly pending = new Map<string, { first: number; last: number }>();
  private running: Promise<void> | undefined;

  constructor(private readonly o: CheckQueueOptions) {}

  add(services: readonly string[]): void {
    const now = this.o.clock.now();
    for (const service of services) {
      this.pending.set(service, { first: this.pending.get(service)?.first ?? now, last: now });
    }
    if (this.pending.size > 0 && !this.running) this.running = this.drain();
  }

  /** Resolves once nothing is being checked (after the term ends, nothing will be). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0 && !this.o.signal.aborted) {
        await this.o.clock.sleep(this.o.debounceMs, this.o.signal);
        const now = this.o.clock.now();
        const maxWaitMs = this.o.maxWaitMs ?? 10 * this.o.debounceMs;
        const ready = [...this.pending]
          .filter(([, seen]) => now - seen.last >= this.o.debounceMs || now - seen.first >= maxWaitMs)
          .map(([service]) => service)
          .filter((service) => !this.o.busy(service));
        for (const service of ready) this.pending.delete(service);
        if (ready.length === 0) continue;
        await this.o.check(ready).catch((err: unknown) => {
          this.o.logger.warn({ err, services: ready.length }, "event-driven check failed");
        });
      }
    } catch {
      // The term ended during the wait: what is pending is the next leader's to find.
    } finally {
      this.running = undefined;
    }
  }
}
