import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { casRetry } from "./cas-retry.js";
import { historyKey, STATE_ROOT } from "./kv-layout.js";

export type HistoryKind = "push" | "operator" | "rollout" | "revert" | "rollback" | "restart";

export interface HistoryEntry {
  /** Unique per entry; appending the same id twice stores it once. */
  id: string;
  /** ISO-8601 time of the event. */
  at: string;
  kind: HistoryKind;
  tag?: string;
  previous?: string;
  /** e.g. the push source ("dockerhub") or "cli", "api". */
  source?: string;
  outcome?: string;
  message?: string;
  /** Consul ModifyIndex of the write, for values written outside tagroll (`consul kv put`). */
  modifyIndex?: number;
  // issue 12: the pinned manifest digest of `tag` and of `previous`
  digest?: string;
  previousDigest?: string;
}

/** An entry to append; `id` and `at` are filled in when absent. */
export type NewHistoryEntry = Omit<HistoryEntry, "id" | "at"> & { id?: string; at?: string };

export interface HistoryStoreOptions {
  /** Entries kept per service, newest last (config `historyLimit`). Default 100. */
  limit?: number;
  root?: string;
  clock?: Clock;
  /** Lost CAS rounds tolerated per append. Default 50: a burst of pushes all append to one key. */
  maxAttempts?: number;
  random?: () => number;
}

/**
 * The per-service history at `tagroll/history/<service>`: one JSON array, capped, newest last.
 * One key rather than a key per entry keeps `history <service>` a single read and the cap a
 * single write; appends are CAS rounds so concurrent appenders never overwrite each other.
 */
export class HistoryStore {
  private readonly limit: number;
  private readonly root: string;
  private readonly clock: Clock;

  constructor(
    private readonly kv: KvStore,
    private readonly options: HistoryStoreOptions = {},
  ) {
    this.limit = Math.max(1, options.limit ?? 100);
    this.root = options.root ?? STATE_ROOT;
    this.clock = options.clock ?? systemClock;
  }

  /** Appends `entry` (or finds it already there by id) and resolves the stored entry. */
  async append(service: string, entry: NewHistoryEntry): Promise<HistoryEntry> {
    const key = historyKey(service, this.root);
    const full: HistoryEntry = {
      ...entry,
      id: entry.id ?? randomUUID(),
      at: entry.at ?? new Date(this.clock.now()).toISOString(),
    };
    const retry = {
      clock: this.clock,
      maxAttempts: this.options.maxAttempts ?? 50,
      ...(this.options.random ? { random: this.options.random } : {}),
    };
    return casRetry(`append to ${key}`, retry, async () => {
      const stored = await this.kv.get(key);
      const entries = parseEntries(stored?.value);
      // A retried append whose first write did land (e.g. the answer was lost) must not duplicate.
      const existing = entries.find((e) => e.id === full.id);
      if (existing) return existing;
      const next = [...entries, full].slice(-this.limit);
      const written = await this.kv.set(key, JSON.stringify(next), { cas: stored?.modifyIndex ?? 0 });
      return written ? full : undefined;
    });
  }

  /** Oldest first. Empty when the service has no history. */
  async list(service: string): Promise<HistoryEntry[]> {
    const stored = await this.kv.get(historyKey(service, this.root));
    return parseEntries(stored?.value);
  }
}

/**
 * History is informational: a value someone broke by hand must not block deploys, so anything
 * that is not an array of entries reads as empty (and the next append replaces it).
 */
function parseEntries(value: string | undefined): HistoryEntry[] {
  if (value === undefined || value === "") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is HistoryEntry =>
        typeof e === "object" && e !== null && typeof (e as HistoryEntry).id === "string",
    );
  } catch {
    return [];
  }
}
