import { MAX_TXN_OPS, type KvEntry, type KvStore, type KvTxnOp } from "../kv/kv-store.js";

/** A history entry key a committed transaction of this process created, with that commit's index. */
export interface CreatedEntry {
  key: string;
  modifyIndex: number;
}

/** The one-array history (if any) and every entry key of a service, in creation order. */
export type HistoryRead = (service: string) => Promise<[KvEntry | undefined, KvEntry[]]>;

/**
 * Quick trims between two reading ones. The reading trim is what removes entries this process does
 * not know of (other writers', those of a quick trim that failed); one in ten keeps that cost at a
 * tenth of what it was, and those entries around for at most ten trims.
 */
const QUICK_TRIMS_PER_READ = 9;

interface KnownKey {
  key: string;
  /** The index a delete-cas needs. */
  modifyIndex: number;
  /** Creation order: the oldest go first. */
  createIndex: number;
}

interface ServiceTrims {
  /** Appends counted since the last trim began. */
  untrimmed: number;
  /** The service's entry keys as far as this process knows them. */
  known: Map<string, KnownKey>;
  /** `known` holds every entry key: a reading trim listed the folder and nothing failed since. */
  trusted: boolean;
  quickSinceRead: number;
  /** A trim started by `appended` is running; `again` asks it for one more round. */
  running: boolean;
  again: boolean;
}

/**
 * Trims a service's history to `limit` entry keys. A reading trim lists the whole folder and deletes
 * the oldest beyond the cap. That read is not cheap: Consul walks every tombstone under the prefix
 * (each trim leaves `limit` of them for its tombstone TTL, 15 min) and answers with every entry's
 * JSON — 10.6 % of Consul's CPU in the ingest benchmark (BENCHMARKS.md, "Ingest"). So the entries
 * this process created are remembered with the index their transaction answered, and a quick trim
 * deletes the oldest of those beyond the cap without reading anything.
 *
 * Consul then holds at most 2 × `limit` entry keys per writing process (`limit` kept, up to `limit`
 * appended until the next trim); entries of other writers are removed by the next reading trim,
 * at the latest after `QUICK_TRIMS_PER_READ` quick ones. Readers never see more than `limit`
 * (`HistoryStore.list` keeps the newest).
 */
export class HistoryTrimmer {
  private readonly services = new Map<string, ServiceTrims>();

  constructor(
    private readonly kv: KvStore,
    private readonly limit: number,
    private readonly read: HistoryRead,
  ) {}

  /**
   * Counts an appended entry (remembering its key when `created` names it) and, once `limit`
   * appends were counted, trims in the background. One such trim at a time per service: appends
   * that fill the cap meanwhile ask for one more round when it ends.
   */
  appended(service: string, created: CreatedEntry | undefined, onError: (err: unknown) => void): void {
    const trims = this.of(service);
    if (created) this.remember(trims, { ...created, createIndex: created.modifyIndex });
    if (++trims.untrimmed < this.limit) return;
    trims.untrimmed = 0;
    if (trims.running) trims.again = true;
    else void this.inBackground(service, trims, onError);
  }

  /** Lists every entry key, deletes the oldest beyond the cap and learns the ones kept. */
  async readingTrim(service: string): Promise<void> {
    const trims = this.of(service);
    try {
      const [legacy, entries] = await this.read(service);
      const surplus = entries.slice(0, Math.max(0, entries.length - this.limit));
      // Before the deletes are awaited, so that appends landing meanwhile are kept in `known`.
      this.learn(trims, entries, surplus.length);
      await this.deleteSurplus(surplus);
      if (legacy && entries.length >= this.limit)
        await this.kv.delete(legacy.key, { cas: legacy.modifyIndex });
    } catch (err) {
      trims.trusted = false;
      throw err;
    }
  }

  private async inBackground(
    service: string,
    trims: ServiceTrims,
    onError: (err: unknown) => void,
  ): Promise<void> {
    trims.running = true;
    do {
      trims.again = false;
      const quick = trims.trusted && trims.quickSinceRead < QUICK_TRIMS_PER_READ;
      await (quick ? this.quickTrim(service, trims) : this.readingTrim(service)).catch(onError);
    } while (trims.again);
    trims.running = false;
  }

  /**
   * Deletes the oldest known entries beyond the cap, each with a CAS on the index its transaction
   * answered. They leave `known` before the deletes are sent, so no other trim deletes them too.
   * A chunk rolls back when an entry in it no longer has that index (changed by hand since): the
   * service is then trimmed by reading.
   */
  private async quickTrim(service: string, trims: ServiceTrims): Promise<void> {
    trims.quickSinceRead++;
    const oldestFirst = [...trims.known.values()].sort((a, b) => a.createIndex - b.createIndex);
    const doomed = oldestFirst.slice(0, Math.max(0, oldestFirst.length - this.limit));
    for (const entry of doomed) trims.known.delete(entry.key);
    try {
      for (const { ops } of deleteCasChunks(doomed)) {
        if (!(await this.kv.txn(ops)).committed) {
          await this.readingTrim(service);
          return;
        }
      }
    } catch (err) {
      trims.trusted = false;
      throw err;
    }
  }

  /**
   * The 128 deletes of a chunk go in one transaction; an entry changed meanwhile rolls it back, and
   * that chunk falls back to one delete per key, so a rewritten entry stays.
   */
  private async deleteSurplus(surplus: KvEntry[]): Promise<void> {
    for (const { chunk, ops } of deleteCasChunks(surplus)) {
      if ((await this.kv.txn(ops)).committed) continue;
      for (const entry of chunk) await this.kv.delete(entry.key, { cas: entry.modifyIndex });
    }
  }

  /**
   * After a read: `known` becomes the listed entries that stay, plus the ones this process created
   * after the read's snapshot. A remembered entry the read did not list while listing a newer one
   * was deleted meanwhile; a transaction's answer that arrives after the read listed its entry is
   * found by key and not counted twice.
   */
  private learn(trims: ServiceTrims, listed: KvEntry[], surplus: number): void {
    const newest = listed.at(-1)?.createIndex ?? 0;
    const listedKeys = new Set(listed.map((e) => e.key));
    const later = [...trims.known.values()].filter((k) => !listedKeys.has(k.key) && k.createIndex > newest);
    trims.known = new Map(
      [...listed.slice(surplus), ...later].map(({ key, modifyIndex, createIndex }) => [
        key,
        { key, modifyIndex, createIndex },
      ]),
    );
    trims.trusted = true;
    trims.quickSinceRead = 0;
  }

  /**
   * Until a reading trim has listed the folder, only the newest `limit` keys are kept: any read
   * sent from now on lists the older ones itself.
   */
  private remember(trims: ServiceTrims, entry: KnownKey): void {
    if (trims.known.has(entry.key)) return;
    trims.known.set(entry.key, entry);
    if (trims.trusted || trims.known.size <= this.limit) return;
    const oldest = trims.known.keys().next();
    if (!oldest.done) trims.known.delete(oldest.value);
  }

  private of(service: string): ServiceTrims {
    let trims = this.services.get(service);
    if (trims === undefined) {
      trims = {
        untrimmed: 0,
        known: new Map(),
        trusted: false,
        quickSinceRead: 0,
        running: false,
        again: false,
      };
      this.services.set(service, trims);
    }
    return trims;
  }
}

/** Deletes of `entries`, each a CAS on its ModifyIndex, in transactions of at most MAX_TXN_OPS. */
function deleteCasChunks<T extends { key: string; modifyIndex: number }>(
  entries: readonly T[],
): Array<{ chunk: T[]; ops: KvTxnOp[] }> {
  const chunks: Array<{ chunk: T[]; ops: KvTxnOp[] }> = [];
  for (let at = 0; at < entries.length; at += MAX_TXN_OPS) {
    const chunk = entries.slice(at, at + MAX_TXN_OPS);
    chunks.push({ chunk, ops: chunk.map((e) => ({ verb: "delete-cas", key: e.key, index: e.modifyIndex })) });
  }
  return chunks;
}
