import type { Clock } from "../core/clock.js";
import { AuthError, ConflictError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { KvStore, KvTxnResult } from "../kv/kv-store.js";
import type { DeliveryStore } from "../state/delivery-store.js";
import { fullJitterMs } from "../state/cas-retry.js";
import type { HistoryStore } from "../state/history-store.js";
import { assembleBatch, type Batch, type Member } from "./batching/assemble.js";
import type { Pending, PushWrite, PushWriteRequest } from "./batching/pending.js";
import type { IngestState, KnownValue } from "./ingest-state.js";

export type { PushWrite, PushWriteRequest } from "./batching/pending.js";

/**
 * Transactions in flight at once; webhooks arriving meanwhile gather into the next one. One, not
 * two: under load the batches grow (3.1 → 3.9 webhooks each with 8 concurrent senders) and tagroll's
 * CPU per webhook fell from 0.38 to 0.21–0.31 ms, with no worse p99 at 200 req/s (one-off runs of
 * `npm run bench -- ingest`; BENCHMARKS.md, "Ingest", has the current figures).
 */
const IN_FLIGHT = 1;

export interface PushWriteDeps {
  kv: KvStore;
  state: IngestState;
  history: HistoryStore;
  deliveries: DeliveryStore;
  clock: Clock;
  log: Logger;
  /** Lost rounds before giving up with ConflictError (the route answers 503). */
  maxAttempts?: number;
  /** Observes each transaction's size (the benchmark and tests count webhooks per transaction). */
  onBatch?: (batch: { webhooks: number; ops: number; committed: boolean }) => void;
}

/**
 * A webhook's decision and everything it writes go in a Consul transaction (README, "Concepts"):
 *
 *   check-not-exists tagroll/revoked/<jti>        the token is still good
 *   check-not-exists tagroll/deliveries/…         (with a delivery id) not seen before
 *   cas <desired key> @ known index               the value; or check-index when nothing is written
 *   cas tagroll/history/<service>/<id> @ 0        the history entry of a written value
 *   cas tagroll/deliveries/… @ 0                  (with a delivery id) the dedupe record
 *
 * Webhooks arriving while a transaction is in flight share the next one (batching/assemble.ts).
 * The decision is made on the value as last known (src/ingress/ingest-state.ts) and holds only
 * while the key is still at that index. A transaction rolls back whole, so after a rollback each
 * webhook is judged by its own failed ops: a revoked token gets AuthError, a seen delivery
 * "seen", a moved key a fresh read and a new decision (one lost round, at most `maxAttempts`);
 * the others go again as they were, without a read and without losing a round.
 */
export class PushWriter {
  private queue: Pending[] = [];
  private readonly busy = new Set<string>();
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly deps: PushWriteDeps) {}

  write(req: PushWriteRequest): Promise<PushWrite> {
    return new Promise((resolve, reject) => {
      this.queue.push({ req, lost: 0, reread: false, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate: webhooks whose bodies arrived in the same turn of the event loop join in.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const batch = assembleBatch(this.queue, {
      current: (key) => this.deps.state.current(key),
      busy: this.busy,
      history: this.deps.history,
      deliveries: this.deps.deliveries,
      now: this.deps.clock.now(),
    });
    this.queue = batch.deferred;
    for (const pending of batch.unknown) void this.refresh(pending);
    if (batch.members.length === 0) return;
    this.inFlight++;
    const keys = [...batch.chains.values()].flatMap((c) => [c.key, ...(c.pinKey ? [c.pinKey] : [])]);
    for (const key of keys) this.busy.add(key);
    this.deps.kv
      .txn(batch.ops)
      .then(
        (result) => this.settle(batch, result),
        (error: unknown) => batch.members.forEach((m) => m.pending.reject(error)),
      )
      .finally(() => {
        for (const key of keys) this.busy.delete(key);
        this.inFlight--;
        this.schedule();
      });
    this.schedule();
  }

  private settle(batch: Batch, result: KvTxnResult): void {
    this.deps.onBatch?.({
      webhooks: batch.members.length,
      ops: batch.ops.length,
      committed: result.committed,
    });
    if (result.committed) {
      for (const member of batch.members) this.committed(member, result.entries);
      return;
    }
    const failed = new Set(result.failed.map((f) => f.op));
    const retry: Pending[] = [];
    for (const member of batch.members) {
      const { pending } = member;
      if (failed.has(member.revocationOp)) pending.reject(new AuthError());
      else if (member.deliveryOp !== undefined && failed.has(member.deliveryOp))
        pending.resolve({ outcome: "seen" });
      else if (member.chain.guards.some((g) => failed.has(g))) this.lost(pending, retry);
      else retry.push(pending);
    }
    // Back to the front of the queue, in their order: they were first.
    this.queue = [...retry, ...this.queue];
  }

  private committed(member: Member, entries: Array<{ key: string; modifyIndex: number }>): void {
    const { outcome, pending } = member;
    const { req } = pending;
    if (outcome.outcome === "written") {
      // One transaction commits at one index: any entry for the key carries it.
      const written = entries.find((e) => e.key === req.key);
      if (written) this.deps.state.learn(req.key, { value: outcome.value, modifyIndex: written.modifyIndex });
      const digest = req.pin && entries.find((e) => e.key === req.pin?.key);
      if (req.pin && digest) {
        this.deps.state.learn(req.pin.key, { value: req.pin.digest, modifyIndex: digest.modifyIndex });
      }
      // Its key and index let the history be trimmed without reading it (src/state/history-trim.ts).
      const created = entries.find((e) => e.key === member.historyKey);
      this.deps.history.appended(req.service, created, (err) =>
        this.deps.log.warn({ err, service: req.service }, "history not trimmed; the next append tries again"),
      );
    }
    pending.resolve(outcome);
  }

  /** The key moved under this webhook's decision: read it afresh, or give up after too many rounds. */
  private lost(pending: Pending, retry: Pending[]): void {
    pending.lost++;
    const { maxAttempts = 20 } = this.deps;
    if (pending.lost >= maxAttempts) {
      pending.reject(
        new ConflictError(`write ${pending.req.key}: gave up after ${maxAttempts} conflicting writes`),
      );
      return;
    }
    pending.reread = true;
    this.deps.state.forget(pending.req.key);
    if (pending.req.pin) this.deps.state.forget(pending.req.pin.key);
    retry.push(pending);
  }

  /** Reads what a webhook needs to be decided, then queues it again. */
  private async refresh(pending: Pending): Promise<void> {
    const { req } = pending;
    try {
      // From the second lost round on, another writer keeps winning: back off as casRetry does.
      if (pending.lost > 1) await this.deps.clock.sleep(fullJitterMs(pending.lost - 1));
      const reads = [req.key, ...(req.pin ? [req.pin.key] : [])];
      await Promise.all(reads.map((key) => this.read(key)));
    } catch (error) {
      pending.reject(error);
      return;
    }
    pending.reread = false;
    this.queue.push(pending);
    this.schedule();
  }

  private async read(key: string): Promise<KnownValue> {
    const entry = await this.deps.kv.get(key);
    const known = entry
      ? { value: entry.value, modifyIndex: entry.modifyIndex }
      : { value: undefined, modifyIndex: 0 };
    this.deps.state.learn(key, known);
    return known;
  }
}
