import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../core/clock.js";
import type { KvEntry, KvStore, KvTxnOp } from "../kv/kv-store.js";
import { HistoryTrimmer, type CreatedEntry } from "./history-trim.js";
import { historyEntryKey, historyKey, STATE_ROOT } from "./kv-layout.js";

export type HistoryKind =
  | "push"
  | "operator"
  | "rollout"
  | "revert"
  | "rollback"
  | "restart"
  // Approvals, deploy windows and promotion (src/gates/).
  | GateHistoryKind;

/** What happened at a service's gate (README, "Approvals, deploy windows and promotion"). */
export type GateHistoryKind =
  | "pending-approval"
  | "approved"
  | "rejected"
  | "expired"
  | "replaced"
  | "scheduled"
  | "released"
  | "deploy-now"
  | "promoted-to"
  | "promoted-from";

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
}

/**
 * The per-service history: one key per entry at `tagroll/history/<service>/<id>`, listed in the
 * order Consul created them (CreateIndex), capped at `limit`. A key per entry means an append never
 * reads first, so a webhook adds its entry in the same transaction as the value it wrote
 * (`prepare`, used by src/ingress/push-write.ts), and concurrent appenders cannot overwrite each
 * other. Histories written before that, one JSON array at `tagroll/history/<service>`, are still
 * read (oldest) and deleted once newer entries fill the cap.
 */
export class HistoryStore {
  private readonly limit: number;
  private readonly root: string;
  private readonly clock: Clock;
  private readonly trims: HistoryTrimmer;

  constructor(
    private readonly kv: KvStore,
    options: HistoryStoreOptions = {},
  ) {
    this.limit = Math.max(1, options.limit ?? 100);
    this.root = options.root ?? STATE_ROOT;
    this.clock = options.clock ?? systemClock;
    this.trims = new HistoryTrimmer(kv, this.limit, (service) => this.read(service));
  }

  /**
   * The entry as it will be stored and the transaction op that creates it. The op is
   * create-only, so a retried transaction never stores one id twice.
   */
  prepare(service: string, entry: NewHistoryEntry): { entry: HistoryEntry; op: KvTxnOp } {
    const full: HistoryEntry = {
      ...entry,
      id: entry.id ?? randomUUID(),
      at: entry.at ?? new Date(this.clock.now()).toISOString(),
    };
    const key = historyEntryKey(service, full.id, this.root);
    return { entry: full, op: { verb: "cas", key, value: JSON.stringify(full), index: 0 } };
  }

  /** Appends `entry` (or finds it already there by id) and resolves the stored entry. */
  async append(service: string, entry: NewHistoryEntry): Promise<HistoryEntry> {
    const { entry: full, op } = this.prepare(service, entry);
    if (!(await this.kv.set(op.key, JSON.stringify(full), { cas: 0 }))) {
      const stored = parseEntry(await this.kv.get(op.key));
      if (stored) return stored;
    }
    await this.trim(service);
    return full;
  }

  /**
   * Counts an entry a transaction added (`prepare`), `created` being its key and index from the
   * committed transaction's answer; once `limit` entries have been added since the last trim,
   * trims the service's history in the background (src/state/history-trim.ts: mostly without
   * reading it), so Consul holds at most 2 × `limit` entry keys per writing process and readers
   * never see more than `limit`. Reading on every tenth of the cap read 11 entries per webhook and
   * stalled the event loop often enough to show in the ingest p99; reading on every cap read 2;
   * reading on one trim in ten reads 0.2 (BENCHMARKS.md, "Ingest").
   */
  appended(service: string, created: CreatedEntry | undefined, onError: (err: unknown) => void): void {
    this.trims.appended(service, created, onError);
  }

  /** Oldest first, at most `limit`. Empty when the service has no history. */
  async list(service: string): Promise<HistoryEntry[]> {
    const [legacy, entries] = await this.read(service);
    const all = [...parseLegacy(legacy?.value), ...entries.flatMap((e) => parseEntry(e) ?? [])];
    const ids = new Set<string>();
    return all.filter((e) => !ids.has(e.id) && ids.add(e.id)).slice(-this.limit);
  }

  /**
   * Reads the service's entries and deletes the oldest beyond the cap (each with a CAS, so a
   * rewritten one stays), and the one-array history once newer entries fill the cap.
   */
  async trim(service: string): Promise<void> {
    await this.trims.readingTrim(service);
  }

  /** The one-array history (if any) and the entry keys in creation order. */
  private async read(service: string): Promise<[KvEntry | undefined, KvEntry[]]> {
    const legacyKey = historyKey(service, this.root);
    // issue 14: one read-only transaction on the keep-alive txn client when there is no legacy
    // array (the common case); two reads through the generic client when there is one.
    const read = await this.kv.txn([
      { verb: "get-tree", key: `${legacyKey}/` },
      { verb: "check-not-exists", key: legacyKey },
    ]);
    const [legacy, listed] = read.committed
      ? [undefined, read.entries]
      : await Promise.all([this.kv.get(legacyKey), this.kv.list(`${legacyKey}/`).then((l) => l.entries)]);
    const entries = [...listed].sort((a, b) => a.createIndex - b.createIndex);
    return [legacy, entries];
  }
}

/**
 * History is informational: a value someone broke by hand must not block deploys, so an entry
 * that does not parse is left out (and trimmed in its turn).
 */
function parseEntry(stored: KvEntry | undefined): HistoryEntry | undefined {
  if (stored === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(stored.value);
    return isEntry(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function parseLegacy(value: string | undefined): HistoryEntry[] {
  if (value === undefined || value === "") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
  } catch {
    return [];
  }
}

function isEntry(e: unknown): e is HistoryEntry {
  return typeof e === "object" && e !== null && typeof (e as HistoryEntry).id === "string";
}
