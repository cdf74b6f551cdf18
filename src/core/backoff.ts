/**
 * Exponential backoff for the coordinator's loops (watcher, election, Nomad calls): each failure
 * doubles the wait up to `maxMs`; a success resets it. Half the wait is random so that several
 * instances retrying against the same agent do not fall into step.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 250,
    private readonly maxMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next wait, in ms. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
