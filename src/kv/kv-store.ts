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

/** One write of `KvStore.setAll`. */
export interface KvWrite {
  key: string;
  value: string;
  cas?: number;
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
export interface KvStore {
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
  // --- issue 12 (digest pinning): several keys in one Consul transaction ---
  /**
   * Writes every entry in one Consul `/v1/txn`: all or none. An entry with `cas` is written only
   * when its ModifyIndex equals it (`cas: 0` = create only); resolves false when a check failed
   * and so nothing was written. Optional so hand-written test fakes need not implement it.
   */
  setAll?(writes: readonly KvWrite[]): Promise<boolean>;
  // --- end issue 12 ---

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
