import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { KvEntry, KvStore } from "../../kv/kv-store.js";
import { Backoff } from "../../core/backoff.js";
import { TokenBucket } from "./token-bucket.js";
import { nextWatchIndex, watchPrefix } from "./watch-index.js";

/** A watched key whose value changed (or, on the first answer, its current value). */
export interface WatchedChange {
  key: string;
  value: string;
  modifyIndex: number;
  /** True for the values read by the first query of a prefix. */
  initial: boolean;
}

export interface KvWatcherOptions {
  kv: KvStore;
  clock: Clock;
  logger: Logger;
  /** Exact keys to report, and folders (ending in `/`) whose every key is reported. */
  keys: string[];
  onChange: (changes: WatchedChange[]) => void;
  /** Blocking wait per query; Consul caps it at 10 minutes. */
  waitMs?: number;
  /** Token bucket of each prefix loop. */
  rate?: { capacity: number; perSecond: number };
  /** Most blocking queries to hold open at once (default 64; see `collapsePrefixes`). */
  maxPrefixes?: number;
}

/**
 * Watches Consul KV with ONE blocking query per distinct folder of the watched keys
 * (ARCHITECTURE.md, "From a KV change to `succeeded`"), however many services share that folder. Reports only watched keys
 * whose ModifyIndex moved; deleted keys are logged, not reported (a missing desired value is
 * never a reason to restart anything).
 */
export class KvWatcher {
  private readonly exact: Set<string>;
  private readonly folders: string[];

  constructor(private readonly options: KvWatcherOptions) {
    this.exact = new Set(options.keys.filter((k) => !k.endsWith("/")));
    this.folders = options.keys.filter((k) => k.endsWith("/"));
  }

  /** The distinct prefixes this watcher runs one loop for. */
  prefixes(): string[] {
    const folders = this.options.keys.map((k) => (k.endsWith("/") ? k : watchPrefix(k)));
    return collapsePrefixes(folders, this.options.maxPrefixes ?? 64);
  }

  /** Runs every prefix loop until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.prefixes().map((prefix) => this.watch(prefix, signal)));
  }

  private async watch(prefix: string, signal: AbortSignal): Promise<void> {
    const { kv, clock, logger, onChange, waitMs = 300_000, rate } = this.options;
    const log = logger.child({ prefix });
    const bucket = new TokenBucket(clock, rate?.capacity, rate?.perSecond);
    const backoff = new Backoff();
    const seen = new Map<string, number>();
    let index = 0;
    let first = true;
    while (!signal.aborted) {
      try {
        await bucket.take(signal);
        const result = await kv.watchList(prefix, index, waitMs, signal);
        backoff.reset();
        if (result.index < index) log.warn({ index, returned: result.index }, "consul index went backwards");
        index = nextWatchIndex(index, result.index);
        const changes = this.diff(result.entries, seen, first, log);
        first = false;
        if (changes.length > 0) onChange(changes);
      } catch (err) {
        if (signal.aborted) break;
        const waitFor = backoff.next();
        log.warn({ err, retryInMs: waitFor }, "kv watch failed");
        await clock.sleep(waitFor, signal).catch(() => undefined);
      }
    }
  }

  private diff(
    entries: KvEntry[],
    seen: Map<string, number>,
    initial: boolean,
    log: Logger,
  ): WatchedChange[] {
    const changes: WatchedChange[] = [];
    const present = new Set<string>();
    for (const entry of entries) {
      if (!this.isWatched(entry.key)) continue;
      present.add(entry.key);
      if (seen.get(entry.key) === entry.modifyIndex) continue;
      seen.set(entry.key, entry.modifyIndex);
      changes.push({ key: entry.key, value: entry.value, modifyIndex: entry.modifyIndex, initial });
    }
    for (const key of [...seen.keys()].filter((k) => !present.has(k))) {
      seen.delete(key);
      if (this.exact.has(key)) log.warn({ key }, "watched key deleted; nothing is rolled out for a deletion");
    }
    return changes;
  }

  private isWatched(key: string): boolean {
    return this.exact.has(key) || this.folders.some((folder) => key.startsWith(folder));
  }
}

/**
 * One blocking query per distinct folder — unless that is more than `max`: Consul serves at most
 * 200 concurrent HTTP connections per client address by default (`limits.http_max_conns_per_client`),
 * so 1,000 services under `configs/<name>/` must not mean 1,000 open queries. Folders are then
 * merged into their parent, the parent with most watched children first, until at most `max`
 * remain: `configs/web/`, `configs/db/`, … become one query on `configs/`. Unwatched keys in the
 * wider answer are filtered out as before.
 */
export function collapsePrefixes(folders: string[], max: number): string[] {
  let prefixes = withoutNested(folders);
  while (prefixes.length > Math.max(1, max)) {
    const byParent = new Map<string, string[]>();
    for (const p of prefixes.filter((p) => p !== "")) {
      const parent = watchPrefix(p.slice(0, -1));
      const siblings = byParent.get(parent);
      if (siblings) siblings.push(p);
      else byParent.set(parent, [p]);
    }
    const [parent, children] =
      [...byParent].sort((a, b) => b[1].length - a[1].length || b[0].length - a[0].length)[0] ?? [];
    if (parent === undefined || !children) break;
    const merged = new Set(children);
    prefixes = withoutNested([...prefixes.filter((p) => !merged.has(p)), parent]);
  }
  return prefixes;
}

/**
 * Drops every prefix that lies under another. Sorted, a prefix comes right before the run of
 * everything under it, so comparing with the last one kept is enough: linear after the sort
 * (comparing every pair took 39 s at 10,000 services and starved every request; BENCHMARKS.md,
 * "Scale").
 */
function withoutNested(prefixes: string[]): string[] {
  const kept: string[] = [];
  for (const prefix of [...new Set(prefixes)].sort()) {
    const last = kept[kept.length - 1];
    if (last === undefined || !prefix.startsWith(last)) kept.push(prefix);
  }
  return kept;
}
