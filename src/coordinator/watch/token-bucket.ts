import type { Clock } from "../../core/clock.js";

/**
 * Rate limit for blocking-query loops. Consul's docs ask clients not to spin when a prefix
 * churns: a burst of `capacity` queries goes out at once (so a single change is seen without
 * delay), after which queries are spaced `1000 / perSecond` ms apart.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly capacity = 5,
    private readonly perSecond = 10,
  ) {
    this.tokens = capacity;
    this.last = clock.now();
  }

  /** Resolves when a token is available (rejects if `signal` aborts while waiting). */
  async take(signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await this.clock.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.perSecond), signal);
      this.refill();
    }
    this.tokens = Math.max(0, this.tokens - 1);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
  }
}
