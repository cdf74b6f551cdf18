import type { ServiceConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { collapsePrefixes, watchPrefix } from "../coordinator/watch/index.js";
import { KvMirror } from "../kv/kv-mirror.js";
import type { KvStore } from "../kv/kv-store.js";
import { folderPrefix, tokenKey } from "../state/kv-layout.js";

/** A desired key as last known: `modifyIndex` 0 means the key does not exist. */
export interface KnownValue {
  value: string | undefined;
  modifyIndex: number;
}

export interface IngestStateOptions {
  kv: KvStore;
  services: readonly ServiceConfig[];
  clock: Clock;
  logger: Logger;
  /** Most folders mirrored for the desired keys; more are merged into their parents. */
  maxFolders?: number;
}

/**
 * What a webhook needs to know before its one Consul transaction (src/ingress/push-write.ts),
 * held in memory: the revoked token ids and every service's desired value with its ModifyIndex,
 * each folder kept current by one blocking query (src/kv/kv-mirror.ts), plus what this process's
 * own writes returned. A copy can be behind by the blocking query's latency; the transaction
 * re-checks both (the revocation key must not exist, the desired key must still be at the index
 * the decision was made on), so a stale copy costs one more round trip, never a wrong write.
 */
export class IngestState {
  private readonly revoked: KvMirror;
  private readonly folders: KvMirror[];
  private readonly learned = new Map<string, KnownValue>();
  private controller: AbortController | undefined;
  private running: Promise<unknown> | undefined;

  constructor(options: IngestStateOptions) {
    const mirror = (prefix: string, perSecond: number) =>
      new KvMirror({ kv: options.kv, clock: options.clock, logger: options.logger, prefix, perSecond });
    this.revoked = mirror(folderPrefix("revoked"), 10);
    // A key at the top level would mean mirroring the whole KV store: those are read when needed.
    const prefixes = collapsePrefixes(
      options.services.map((s) => watchPrefix(s.key)),
      options.maxFolders ?? 16,
    ).filter((p) => p !== "");
    // Re-read a busy folder at most once a second: this process learns its own writes from the
    // transaction's answer, and a value written elsewhere meanwhile costs one more round, no more.
    this.folders = prefixes.map((p) => mirror(p, 1));
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    const { signal } = this.controller;
    this.running = Promise.all([this.revoked, ...this.folders].map((m) => m.run(signal)));
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.controller = undefined;
  }

  /** Whether `jti` is revoked, or undefined when the copy is not current (ask Consul). */
  isRevoked(jti: string): boolean | undefined {
    if (!this.revoked.fresh) return undefined;
    return this.revoked.get(tokenKey("revoked", jti)) !== undefined;
  }

  /** The desired key's value and index as last known, or undefined when nothing current is known. */
  current(key: string): KnownValue | undefined {
    const own = this.learned.get(key);
    const mirror = this.folders.find((m) => key.startsWith(m.prefix));
    if (!mirror?.fresh) return own;
    const entry = mirror.get(key);
    const mirrored = entry
      ? { value: entry.value, modifyIndex: entry.modifyIndex }
      : { value: undefined, modifyIndex: 0 };
    if (own === undefined || own.modifyIndex <= mirrored.modifyIndex) {
      if (own !== undefined) this.learned.delete(key);
      return mirrored;
    }
    return own;
  }

  /** What a read or this process's own write found. */
  learn(key: string, known: KnownValue): void {
    const own = this.learned.get(key);
    if (own === undefined || own.modifyIndex <= known.modifyIndex) this.learned.set(key, known);
  }

  /** Drops what this process learned about `key` (a transaction found it out of date). */
  forget(key: string): void {
    this.learned.delete(key);
  }
}
