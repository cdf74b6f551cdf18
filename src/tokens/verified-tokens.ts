import type { Clock } from "../core/clock.js";

/** What a verified webhook token says, and until when (its `exp`, epoch seconds) if it says. */
export interface VerifiedToken {
  service: string;
  jti: string;
  exp?: number;
}

/**
 * Webhook tokens whose signature and claims already verified, keyed by the exact token string
 * (README, "Ingest batching"): a registry sends the same URL with every push, and the HMAC check
 * through WebCrypto was a large part of a webhook's CPU (BENCHMARKS.md, "Ingest"). Only tokens
 * that verified get in, so forged ones cannot fill it; the oldest entry goes when it is full. An
 * entry past its `exp` counts as absent. Revocation is not cached here: the caller checks it on
 * every webhook (src/tokens/webhook-token.ts), and every write's transaction checks it again.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(
    private readonly clock: Clock,
    private readonly max = 1_024,
  ) {}

  get(token: string): VerifiedToken | undefined {
    const hit = this.entries.get(token);
    if (hit?.exp !== undefined && this.clock.now() / 1000 >= hit.exp) {
      this.entries.delete(token);
      return undefined;
    }
    return hit;
  }

  set(token: string, verified: VerifiedToken): void {
    if (this.entries.size >= this.max && !this.entries.has(token)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, verified);
  }

  get size(): number {
    return this.entries.size;
  }
}
