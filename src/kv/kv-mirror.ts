import type { Clock } from "../core/clock.js";
import { Backoff } from "../core/backoff.js";
import type { Logger } from "../core/logger.js";
import { nextWatchIndex, TokenBucket } from "../coordinator/watch/index.js";
import type { KvEntry, KvStore } from "./kv-store.js";

export interface KvMirrorOptions {
  kv: KvStore;
  clock: Clock;
  logger: Logger;
  /** A folder, ending in `/`. */
  prefix: string;
  /** Blocking wait per query (Consul caps it at 10 minutes). */
  waitMs?: number;
  /** Queries per second once a burst is spent: a churning folder is re-read at most this often. */
  perSecond?: number;
}

/**
 * Every key under one folder, kept current by a blocking query (Consul's
 * [blocking queries](https://developer.hashicorp.com/consul/api-docs/features/blocking)), so hot
 * paths read it from memory. Each answer replaces the whole copy, so deleted keys go too.
 * `fresh` is false until the first answer and from a failed query until the next answer: callers
 * then ask Consul themselves rather than trust a copy that may be behind.
 */
export class KvMirror {
  private entries = new Map<string, KvEntry>();
  private ok = false;

  constructor(private readonly options: KvMirrorOptions) {}

  get prefix(): string {
    return this.options.prefix;
  }

  get fresh(): boolean {
    return this.ok;
  }

  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Runs until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const { kv, clock, logger, prefix, waitMs = 300_000, perSecond = 10 } = this.options;
    const bucket = new TokenBucket(clock, 5, perSecond);
    const backoff = new Backoff();
    let index = 0;
    while (!signal.aborted) {
      try {
        await bucket.take(signal);
        const result = await kv.watchList(prefix, index, waitMs, signal);
        index = nextWatchIndex(index, result.index);
        this.entries = new Map(result.entries.map((e) => [e.key, e]));
        this.ok = true;
        backoff.reset();
      } catch (err) {
        this.ok = false;
        if (signal.aborted) break;
        const waitFor = backoff.next();
        logger.warn(
          { err, prefix, retryInMs: waitFor },
          "kv mirror query failed; reading Consul directly meanwhile",
        );
        await clock.sleep(waitFor, signal).catch(() => undefined);
      }
    }
    this.ok = false;
  }
}
