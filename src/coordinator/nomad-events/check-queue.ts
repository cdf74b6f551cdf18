import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";

export interface CheckQueueOptions {
  /** How long events for a service are gathered before it is checked. */
  debounceMs: number;
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
 * Coalesces event-driven checks: however many events name a service within the debounce
 * window (a 100-allocation job placing its allocations), it is checked once. A service whose
 * runner is busy stays queued and is checked after the rollout, not during it.
 */
export class CheckQueue {
  private readonly pending = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly o: CheckQueueOptions) {}

  add(services: readonly string[]): void {
    for (const service of services) this.pending.add(service);
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
        const ready = [...this.pending].filter((service) => !this.o.busy(service));
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
