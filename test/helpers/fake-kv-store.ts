import { randomUUID } from "node:crypto";
import { parseDuration } from "../../src/config/duration.js";
import { systemClock, type Clock } from "../../src/core/clock.js";
import { UpstreamUnavailableError } from "../../src/core/errors.js";
import type {
  KvEntry,
  KvListResult,
  KvStore,
  KvTxnOp,
  KvTxnResult,
  SessionOptions,
} from "../../src/kv/kv-store.js";

interface Session {
  options: SessionOptions;
  ttlMs: number;
  lockDelayMs: number;
  renewedAt: number;
}

interface Waiter {
  prefix: string;
  wake(): void;
}

/** Identity of the abort reason used to end a blocking wait early because something changed. */
const WOKEN = new Error("kv changed");

/**
 * An in-memory KvStore that follows Consul's rules closely enough to stand in for it in unit tests:
 * - one raft index bumped by every write; failed CAS writes, and writes that change nothing (same
 *   value, same lock), bump nothing;
 * - `cas: 0` creates only; `cas: N` writes only while ModifyIndex is N; a delete-CAS on a missing
 *   key succeeds (as Consul's does);
 * - `list(prefix).index` is the highest ModifyIndex or delete (tombstone) index under the prefix,
 *   or the whole KV table's index when the prefix never held anything;
 * - `watchList` returns at once when `index` is 0 or behind, else on the next change under the
 *   prefix or after `waitMs` on the injected clock;
 * - sessions: acquire/release with LockIndex, a plain PUT keeps the lock, invalidation (destroy,
 *   `expireSession`, or 2×TTL without renewal, checked lazily) releases or deletes held keys and
 *   starts the session's lock-delay (default 15s) during which no one can acquire them;
 * - `set` stores Flags (0, left out of the entry, unless it names them), as a PUT does.
 * `calls` records every call; `unavailable = true` makes every call throw UpstreamUnavailableError.
 */
export class FakeKvStore implements KvStore {
  readonly calls: string[] = [];
  unavailable = false;
  private raftIndex: number;
  private tableIndex: number;
  /** While a transaction applies: its one raft index, which every write in it gets (as Consul's). */
  private txnIndex: number | undefined;
  private readonly entries = new Map<string, KvEntry & { lockIndex: number }>();
  private readonly tombstones = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly lockDelays = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly clock: Clock = systemClock,
    startIndex = 1,
  ) {
    this.raftIndex = startIndex;
    this.tableIndex = startIndex;
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.enter(`get ${key}`);
    const entry = this.entries.get(key);
    return entry && publicEntry(entry);
  }

  async list(prefix: string): Promise<KvListResult> {
    this.enter(`list ${prefix}`);
    return this.snapshot(prefix);
  }

  async watchList(
    prefix: string,
    index: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<KvListResult> {
    this.enter(`watchList ${prefix} index=${index}`);
    signal?.throwIfAborted();
    const now = this.snapshot(prefix);
    if (index === 0 || now.index > index) return now;
    await this.waitForChange(prefix, waitMs, signal);
    this.throwIfUnavailable();
    return this.snapshot(prefix);
  }

  async set(key: string, value: string, options: { cas?: number; flags?: number } = {}): Promise<boolean> {
    this.enter(`set ${key}${options.cas === undefined ? "" : ` cas=${options.cas}`}`);
    const current = this.entries.get(key);
    if (options.cas !== undefined && (current?.modifyIndex ?? 0) !== options.cas) return false;
    // A plain PUT sets Flags to what it names, 0 when it names none (Consul's rule).
    this.write(key, value, current?.session, undefined, options.flags ?? 0);
    return true;
  }

  async delete(key: string, options: { cas?: number; recurse?: boolean } = {}): Promise<boolean> {
    this.enter(
      `delete ${key}${options.cas === undefined ? "" : ` cas=${options.cas}`}${options.recurse ? " recurse" : ""}`,
    );
    if (options.recurse) {
      const doomed = [...this.entries.keys()].filter((k) => k.startsWith(key));
      if (doomed.length > 0) this.bump();
      for (const k of doomed) this.remove(k);
      return true;
    }
    const current = this.entries.get(key);
    if (options.cas !== undefined && current?.modifyIndex !== options.cas) return current === undefined;
    if (current !== undefined) {
      this.bump();
      this.remove(key);
    }
    return true;
  }

  /** All-or-nothing, as Consul's `/v1/txn`: every op is checked first, then the writes apply. */
  async txn(ops: KvTxnOp[]): Promise<KvTxnResult> {
    this.enter(`txn ${ops.map((op) => `${op.verb} ${op.key}`).join(", ")}`);
    const failed = ops.flatMap((op, i) => {
      const current = this.entries.get(op.key);
      const reason =
        op.verb === "check-not-exists" && current !== undefined
          ? "key exists"
          : (op.verb === "check-index" && current?.modifyIndex !== op.index) ||
              (op.verb === "cas" && (current?.modifyIndex ?? 0) !== op.index) ||
              // As Consul's: a delete-cas of a missing key succeeds (state store, kvsDeleteCASTxn).
              (op.verb === "delete-cas" && current !== undefined && current.modifyIndex !== op.index)
            ? "index is stale"
            : op.verb === "lock" && !this.canLock(op.key, op.session)
              ? "failed to lock key, lock is already held"
              : op.verb === "unlock" && current?.session !== op.session
                ? "failed to unlock key"
                : undefined;
      return reason === undefined ? [] : [{ op: i, reason: `${op.key}: ${reason}` }];
    });
    if (failed.length > 0) return { committed: false, failed };
    this.txnIndex = this.raftIndex + 1;
    try {
      return { committed: true, entries: this.applyTxn(ops) };
    } finally {
      this.txnIndex = undefined;
    }
  }

  private applyTxn(ops: KvTxnOp[]): KvEntry[] {
    return ops.flatMap((op) => {
      if (op.verb === "check-not-exists") return [];
      if (op.verb === "get-tree") return this.snapshot(op.key).entries;
      if (op.verb === "delete-cas") {
        this.bump();
        this.remove(op.key);
        return [];
      }
      const held = this.entries.get(op.key);
      if (op.verb === "lock") {
        const lockIndex = (held?.lockIndex ?? 0) + (held?.session === op.session ? 0 : 1);
        this.write(op.key, op.value, op.session, lockIndex);
      } else if (op.verb === "unlock") this.write(op.key, op.value, undefined);
      else if (op.verb !== "check-index")
        this.write(op.key, op.value, held?.session, undefined, op.flags ?? 0);
      const entry = this.entries.get(op.key);
      // Consul's txn results carry indexes and flags but no values.
      return entry ? [{ ...publicEntry(entry), value: "" }] : [];
    });
  }

  async createSession(options: SessionOptions): Promise<string> {
    this.enter(`createSession ${options.name}`);
    const ttlMs = parseDuration(options.ttl);
    if (ttlMs === undefined || ttlMs < 10_000 || ttlMs > 86_400_000)
      throw new Error(`Invalid Session TTL '${options.ttl}'`);
    const id = randomUUID();
    const lockDelayMs =
      options.lockDelay === undefined ? 15_000 : (parseDuration(options.lockDelay) ?? 15_000);
    this.sessions.set(id, { options, ttlMs, lockDelayMs, renewedAt: this.clock.now() });
    this.raftIndex++;
    return id;
  }

  async renewSession(id: string): Promise<boolean> {
    this.enter(`renewSession ${id}`);
    const session = this.sessions.get(id);
    if (session !== undefined) session.renewedAt = this.clock.now();
    return session !== undefined;
  }

  async destroySession(id: string): Promise<void> {
    this.enter(`destroySession ${id}`);
    this.invalidate(id);
  }

  async acquire(key: string, value: string, session: string): Promise<boolean> {
    this.enter(`acquire ${key}`);
    // Consul answers 500 "invalid session"; ConsulKvStore turns that into "not acquired".
    if (!this.canLock(key, session)) return false;
    const current = this.entries.get(key);
    const lockIndex = (current?.lockIndex ?? 0) + (current?.session === session ? 0 : 1);
    this.write(key, value, session, lockIndex);
    return true;
  }

  async release(key: string, session: string): Promise<boolean> {
    this.enter(`release ${key}`);
    const current = this.entries.get(key);
    if (current === undefined || current.session !== session) return false;
    this.write(key, current.value, undefined);
    return true;
  }

  private canLock(key: string, session: string): boolean {
    if (!this.sessions.has(session)) return false;
    if ((this.lockDelays.get(key) ?? 0) > this.clock.now()) return false;
    const holder = this.entries.get(key)?.session;
    return holder === undefined || holder === session;
  }

  /** Consul invalidating a session (TTL missed, node failed): as `destroySession`, unrecorded. */
  expireSession(id: string): void {
    this.invalidate(id);
  }

  /** Every key and value, for assertions. */
  dump(): Record<string, string> {
    return Object.fromEntries(
      [...this.entries.keys()].sort().map((key) => [key, this.entries.get(key)?.value ?? ""]),
    );
  }

  private enter(call: string): void {
    this.calls.push(call);
    this.throwIfUnavailable();
    for (const [id, session] of this.sessions) {
      if (this.clock.now() > session.renewedAt + 2 * session.ttlMs) this.invalidate(id);
    }
  }

  private throwIfUnavailable(): void {
    if (this.unavailable) throw new UpstreamUnavailableError("consul", "consul is unreachable (fake)");
  }

  private snapshot(prefix: string): KvListResult {
    const keys = [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
    const entries = keys.map((key) => publicEntry(this.entries.get(key) as KvEntry));
    let index = Math.max(0, ...entries.map((entry) => entry.modifyIndex));
    for (const [key, deletedAt] of this.tombstones)
      if (key.startsWith(prefix)) index = Math.max(index, deletedAt);
    return { entries, index: prefix === "" || index === 0 ? this.tableIndex : index };
  }

  private bump(): number {
    if (this.txnIndex !== undefined) {
      this.tableIndex = this.raftIndex = this.txnIndex;
      return this.txnIndex;
    }
    this.tableIndex = ++this.raftIndex;
    return this.raftIndex;
  }

  private write(
    key: string,
    value: string,
    session: string | undefined,
    lockIndex?: number,
    flags?: number,
  ): void {
    const current = this.entries.get(key);
    const nextLockIndex = lockIndex ?? current?.lockIndex ?? 0;
    const nextFlags = flags ?? current?.flags ?? 0;
    const unchanged =
      current?.value === value &&
      current.session === session &&
      current.lockIndex === nextLockIndex &&
      (current.flags ?? 0) === nextFlags;
    // Consul skips a write that changes nothing: no new ModifyIndex, no watch wake-up.
    if (unchanged) return;
    const index = this.bump();
    this.entries.set(key, {
      key,
      value,
      createIndex: current?.createIndex ?? index,
      modifyIndex: index,
      lockIndex: nextLockIndex,
      ...(session !== undefined && { session }),
      ...(nextFlags !== 0 && { flags: nextFlags }),
    });
    this.tombstones.delete(key);
    this.wake(key);
  }

  private remove(key: string): void {
    this.entries.delete(key);
    this.tombstones.set(key, this.raftIndex);
    this.wake(key);
  }

  private invalidate(id: string): void {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    this.raftIndex++;
    for (const entry of [...this.entries.values()].filter((e) => e.session === id)) {
      if (session.lockDelayMs > 0) this.lockDelays.set(entry.key, this.clock.now() + session.lockDelayMs);
      if (session.options.behavior === "delete") {
        this.bump();
        this.remove(entry.key);
      } else this.write(entry.key, entry.value, undefined);
    }
  }

  private wake(key: string): void {
    for (const waiter of this.waiters) if (key.startsWith(waiter.prefix)) waiter.wake();
  }

  private async waitForChange(
    prefix: string,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const timer = new AbortController();
    const onAbort = () => timer.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const waiter: Waiter = { prefix, wake: () => timer.abort(WOKEN) };
    this.waiters.add(waiter);
    try {
      await this.clock.sleep(waitMs, timer.signal);
    } catch (reason) {
      if (reason !== WOKEN) throw reason;
    } finally {
      this.waiters.delete(waiter);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** A copy without the internal LockIndex, so callers cannot mutate the store. */
function publicEntry(entry: KvEntry): KvEntry {
  return {
    key: entry.key,
    value: entry.value,
    createIndex: entry.createIndex,
    modifyIndex: entry.modifyIndex,
    ...(entry.session !== undefined && { session: entry.session }),
    ...(entry.flags !== undefined && { flags: entry.flags }),
  };
}
