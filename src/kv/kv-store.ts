/** One key as Consul returns it, with the value already decoded to UTF-8. */
export interface KvEntry {
  key: string;
  value: string;
  createIndex: number;
  modifyIndex: number;
  /** Session holding the key's lock, if any. */
  session?: string;
  /**
   * Consul's opaque per-entry Flags, left out when 0. tagroll marks the desired values it writes
   * (`TAGROLL_WRITE_FLAGS` in src/state/desired-tag-writer.ts); `consul kv put` writes 0.
   */
  flags?: number;
}

export interface KvListResult {
  entries: KvEntry[];
  /** X-Consul-Index of the answer: the highest ModifyIndex under the prefix. */
  index: number;
}

export interface SessionOptions {
  name: string;
  /** e.g. "15s"; Consul accepts 10s..86400s. */
  ttl: string;
  behavior: "release" | "delete";
  /** e.g. "1s"; Consul's default is 15s. */
  lockDelay?: string;
}

/**
 * What tagroll needs from Consul's KV store and sessions. The coordinator and ingress depend on
 * this interface only; `consul-kv-store.ts` is the real one, tests may pass a fake.
 * Every method throws `UpstreamUnavailableError` when Consul cannot be reached.
 */
export interface KvStore extends KvTxnStore {
  get(key: string): Promise<KvEntry | undefined>;
  /** All keys under `prefix` (recursive). Empty when none. */
  list(prefix: string): Promise<KvListResult>;
  /**
   * Blocking query on `prefix` (recursive): returns once the index moves past `index` or `waitMs`
   * passes (a return does not guarantee a change). Rejects with the signal's reason when aborted.
   */
  watchList(prefix: string, index: number, waitMs: number, signal?: AbortSignal): Promise<KvListResult>;
  /**
   * Writes `value` with `flags` (default 0). With `cas` the write only happens when the key's
   * ModifyIndex equals it (`cas: 0` = create only); resolves false when it did not happen.
   */
  set(key: string, value: string, options?: { cas?: number; flags?: number }): Promise<boolean>;
  delete(key: string, options?: { cas?: number; recurse?: boolean }): Promise<boolean>;

  createSession(options: SessionOptions): Promise<string>;
  /** Resolves false when the session no longer exists (expired or destroyed). */
  renewSession(id: string): Promise<boolean>;
  destroySession(id: string): Promise<void>;
  /** Lock `key` for `session`, writing `value`; resolves false if another session holds it. */
  acquire(key: string, value: string, session: string): Promise<boolean>;
  release(key: string, session: string): Promise<boolean>;
}

/** Consul health of the service instances Nomad registered for one allocation. */
export interface AllocCheck {
  checkId: string;
  serviceId: string;
  serviceName: string;
  status: "passing" | "warning" | "critical";
  output: string;
}

export interface ServiceHealth {
  /** Checks of every Consul service whose ID starts with `_nomad-task-<allocId>-`. */
  checksForAlloc(allocId: string): Promise<AllocCheck[]>;
  /**
   * Blocking query on the same checks: returns once Consul's index moves past `index` (a check
   * changed somewhere) or `waitMs` passes, with the new index. Optional: without it the health
   * gate polls.
   */
  watchChecksForAlloc?(
    allocId: string,
    index: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ checks: AllocCheck[]; index: number }>;
  /** Passing instances of a service, as a load balancer would pick them (address, port). */
  passingInstances(service: string): Promise<Array<{ address: string; port: number; serviceId: string }>>;
  /** True when the agent answers and the cluster has a leader. */
  ping(): Promise<boolean>;
  /**
   * Puts one service instance into (or out of) Consul maintenance mode
   * (`PUT /v1/agent/service/maintenance/:id?enable=…&reason=…` on the agent that registered it):
   * a critical check that takes it out of every `?passing` answer and DNS. The coordinator uses it
   * to drain an allocation before restarting it — Nomad's restart kills the task while its
   * service is still listed. Optional: without it, allocations are restarted undrained.
   */
  setMaintenance?(serviceId: string, enable: boolean, reason: string): Promise<void>;
}

/**
 * One operation of a Consul KV transaction (`PUT /v1/txn`, see
 * https://developer.hashicorp.com/consul/api-docs/txn). `cas` with `index: 0` creates only, as a
 * PUT with `?cas=0` does; the two checks write nothing and fail the transaction when the key moved.
 */
/** Consul refuses a transaction of more than 128 operations (413 from /v1/txn, Consul 1.14). */
export const MAX_TXN_OPS = 128;

export type KvTxnOp =
  | { verb: "set"; key: string; value: string; flags?: number }
  | { verb: "cas"; key: string; value: string; index: number; flags?: number }
  | { verb: "check-index"; key: string; index: number }
  | { verb: "check-not-exists"; key: string }
  // issue 14: history trimming deletes its surplus in one transaction (src/state/history-store.ts).
  | { verb: "delete-cas"; key: string; index: number }
  // Reads every key under a prefix, with values (a read-only transaction needs no Raft write).
  | { verb: "get-tree"; key: string };

/**
 * A committed transaction lists the entries Consul returns for it — one per write, with the new
 * ModifyIndex, and none for `check-not-exists` — so callers find theirs by key. A rolled-back one
 * lists the ops that failed (Consul answers 409 and applies nothing).
 */
export type KvTxnResult =
  | { committed: true; entries: KvEntry[] }
  | { committed: false; failed: Array<{ op: number; reason: string }> };

/** Stores that can apply several KV operations atomically, in one round trip. */
export interface KvTxnStore {
  txn(ops: KvTxnOp[]): Promise<KvTxnResult>;
}
