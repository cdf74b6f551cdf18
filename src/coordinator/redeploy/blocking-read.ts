import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { BlockOn, Indexed } from "../../nomad/deploy-api.js";

/**
 * One Nomad blocking query kept open: `changed()` resolves when the answer's index moves on
 * (Consul's and Nomad's blocking-query rules: an index that goes backwards starts over). The
 * query in flight is reused across calls, so racing two of them never leaves requests behind.
 * A failed read is logged and retried after a pause; it never rejects `changed()`.
 */
export class BlockingRead<T> {
  value: T;
  private index = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly read: (block?: BlockOn) => Promise<Indexed<T>>,
    initial: Indexed<T>,
    private readonly o: { clock: Clock; logger: Logger; waitMs: number; signal: AbortSignal },
  ) {
    this.value = initial.value;
    this.index = initial.index;
  }

  changed(): Promise<void> {
    this.inFlight ??= this.next().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async next(): Promise<void> {
    try {
      const reply = await this.read({ index: Math.max(1, this.index), waitMs: this.o.waitMs });
      this.index = reply.index < this.index ? 0 : reply.index;
      this.value = reply.value;
    } catch (err) {
      if (this.o.signal.aborted) return;
      this.o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "blocking query failed");
      await this.o.clock.sleep(1_000, this.o.signal).catch(() => undefined);
    }
  }
}

/** Resolves once `signal` aborts: raced with blocking reads, so losing leadership stops the wait at once. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
