import type { KvStore, KvTxnOp } from "../../kv/kv-store.js";

/** Most operations Consul takes in one `/v1/txn` (https://developer.hashicorp.com/consul/api-docs/txn). */
export const TXN_MAX_OPS = 64;
/** Transactions of one batcher in flight at once, so a burst never crowds out other requests. */
const IN_FLIGHT = 2;

interface Pending {
  key: string;
  value: string;
  resolve: (locked: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Session-lock writes (`acquire`) asked for while others are queued go to Consul together, up
 * to 64 per transaction with the txn `lock` verb, at most two transactions at a
 * time. A new leader at 10,000 services writes a record for each at first sight (the adoption);
 * one request per record queued thousands deep behind Consul's connection limit and timed out
 * (BENCHMARKS.md, "Scale"). A transaction is all or nothing, so when one lock in it is refused
 * (another session holds the key, or its lock-delay runs) each of its locks is tried alone and
 * answers for itself, exactly as a plain `acquire` would.
 */
export class LockBatches {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly kv: KvStore,
    private readonly session: string,
  ) {}

  acquire(key: string, value: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, value, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // A microtask, not a timer: a lone save goes out at once; a burst fills the queue while
      // the first transactions are in flight, and the next ones carry up to 64 locks each.
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  private pump(): void {
    while (this.inFlight < IN_FLIGHT && this.queue.length > 0) {
      const chunk = this.queue.splice(0, TXN_MAX_OPS);
      this.inFlight++;
      void this.send(chunk).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    if (chunk.length > 1) {
      const ops: KvTxnOp[] = chunk.map(({ key, value }) => ({
        verb: "lock",
        key,
        value,
        session: this.session,
      }));
      try {
        if ((await this.kv.txn(ops)).committed) {
          for (const pending of chunk) pending.resolve(true);
          return;
        }
      } catch (err) {
        for (const pending of chunk) pending.reject(err);
        return;
      }
    }
    await Promise.all(
      chunk.map(({ key, value, resolve, reject }) =>
        this.kv.acquire(key, value, this.session).then(resolve, reject),
      ),
    );
  }
}

/**
 * Releases the session's locks on `values` (key → the value it holds, written back unchanged), 64
 * per transaction with the txn `unlock` verb; a refused transaction falls back to one release per
 * key. Best effort, as `release` is at the end of a term: failures are ignored.
 */
export async function unlockAll(kv: KvStore, session: string, values: Map<string, string>): Promise<void> {
  const keys = [...values.keys()];
  for (let i = 0; i < keys.length; i += TXN_MAX_OPS) {
    const chunk = keys.slice(i, i + TXN_MAX_OPS);
    const ops: KvTxnOp[] = chunk.map((key) => ({
      verb: "unlock",
      key,
      value: values.get(key) ?? "",
      session,
    }));
    const committed = await kv.txn(ops).then(
      (result) => result.committed,
      () => false,
    );
    if (!committed) await Promise.all(chunk.map((key) => kv.release(key, session).catch(() => false)));
  }
}
