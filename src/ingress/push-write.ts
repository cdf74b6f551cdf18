import type { Clock } from "../core/clock.js";
import { AuthError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { KvStore, KvTxnOp } from "../kv/kv-store.js";
import { casRetry } from "../state/cas-retry.js";
import type { DeliveryStore } from "../state/delivery-store.js";
import { TAGROLL_WRITE_FLAGS, type TagDecision } from "../state/desired-tag-writer.js";
import type { HistoryStore, NewHistoryEntry } from "../state/history-store.js";
import { tokenKey } from "../state/kv-layout.js";
import type { IngestState, KnownValue } from "./ingest-state.js";
import { pinnedDecision, pinOps, type DigestPin } from "../supply-chain/digest-pin.js";

export interface PushWriteDeps {
  kv: KvStore;
  state: IngestState;
  history: HistoryStore;
  deliveries: DeliveryStore;
  clock: Clock;
  log: Logger;
  /** Lost rounds before giving up with ConflictError (the route answers 503). */
  maxAttempts?: number;
}

export interface PushWriteRequest {
  service: string;
  key: string;
  /** The webhook token's id: the transaction fails if it has been revoked meanwhile. */
  jti: string;
  delivery?: { source: string; id: string };
  decide: (current: string | undefined) => TagDecision;
  /** The history entry of a written value. */
  entry: (value: string, previous: string | undefined) => NewHistoryEntry;
  /** issue 12: the digest to write beside the tag in this transaction (src/supply-chain/digest-pin.ts). */
  pin?: DigestPin;
}

export type PushWrite =
  | { outcome: "written"; previous: string | undefined; value: string }
  | { outcome: "skipped"; reason: string; current: string | undefined }
  | { outcome: "seen" };

/**
 * A webhook's decision and everything it writes, in ONE Consul transaction (README, "Concepts"):
 *
 *   check-not-exists tagroll/revoked/<jti>        the token is still good
 *   check-not-exists tagroll/deliveries/…         (with a delivery id) not seen before
 *   cas <desired key> @ known index               the value; or check-index when nothing is written
 *   cas tagroll/history/<service>/<id> @ 0        the history entry of a written value
 *   cas tagroll/deliveries/… @ 0                  (with a delivery id) the dedupe record
 *
 * The decision is made on the value as last known (src/ingress/ingest-state.ts) and holds only
 * while the key is still at that index: a transaction that finds it moved is rolled back whole,
 * and the next round reads the key afresh and decides again — the compare-and-set of
 * writeDesiredTag, so concurrent pushes still end with the newest by policy and no lost update.
 * Throws AuthError when the token was revoked, ConflictError after `maxAttempts` lost rounds.
 */
export class PushWriter {
  constructor(private readonly deps: PushWriteDeps) {}

  async write(req: PushWriteRequest): Promise<PushWrite> {
    const { clock, maxAttempts = 20 } = this.deps;
    let reread = false;
    return casRetry(`write ${req.key}`, { clock, maxAttempts }, async () => {
      const known = (!reread && this.deps.state.current(req.key)) || (await this.read(req.key));
      const pinned =
        req.pin && ((!reread && this.deps.state.current(req.pin.key)) || (await this.read(req.pin.key)));
      const round = await this.round(req, known, pinned);
      reread = round === undefined;
      if (reread) this.deps.state.forget(req.key);
      if (reread && req.pin) this.deps.state.forget(req.pin.key);
      return round;
    });
  }

  /** One transaction; undefined when the desired key moved and the round must be redone. */
  private async round(
    req: PushWriteRequest,
    known: KnownValue,
    pinned?: KnownValue,
  ): Promise<PushWrite | undefined> {
    const { key, service, pin } = req;
    const decided = req.decide(known.value);
    const decision = pin && pinned ? pinnedDecision(decided, known.value, pinned.value, pin) : decided;
    // A pinned tag re-pushed with a new digest writes the same tag again, with its new digest.
    const repin = pin !== undefined && pinned?.value !== pin.digest;
    const skip =
      "skip" in decision
        ? decision.skip
        : decision.write === known.value && !repin
          ? "already the desired value"
          : undefined;
    const delivery =
      req.delivery && this.deps.deliveries.prepare(service, req.delivery.source, req.delivery.id);
    const ops: KvTxnOp[] = [{ verb: "check-not-exists", key: tokenKey("revoked", req.jti) }];
    if (delivery) ops.push(delivery.check);
    if ("write" in decision && skip === undefined) {
      const value = decision.write;
      ops.push({ verb: "cas", key, value, index: known.modifyIndex, flags: TAGROLL_WRITE_FLAGS });
      if (pin && pinned) {
        ops.push(...pinOps(pin, pinned.modifyIndex, value === known.value, this.deps.clock.now()));
      }
      ops.push(this.deps.history.prepare(service, req.entry(value, known.value)).op);
    } else {
      ops.push(
        known.modifyIndex === 0
          ? { verb: "check-not-exists", key }
          : { verb: "check-index", key, index: known.modifyIndex },
      );
    }
    if (delivery) ops.push(delivery.create);

    const result = await this.deps.kv.txn(ops);
    if (!result.committed) {
      const failed = new Set(result.failed.map((f) => f.op));
      if (failed.has(0)) throw new AuthError();
      if (delivery && failed.has(1)) return { outcome: "seen" };
      return undefined;
    }
    if (skip !== undefined || !("write" in decision)) {
      return { outcome: "skipped", reason: skip ?? "", current: known.value };
    }
    const written = result.entries.find((e) => e.key === key);
    if (written) this.deps.state.learn(key, { value: decision.write, modifyIndex: written.modifyIndex });
    const digest = pin && result.entries.find((e) => e.key === pin.key);
    if (pin && digest) this.deps.state.learn(pin.key, { value: pin.digest, modifyIndex: digest.modifyIndex });
    this.deps.history.appended(service, (err) =>
      this.deps.log.warn({ err, service }, "history not trimmed; the next append tries again"),
    );
    return { outcome: "written", previous: known.value, value: decision.write };
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
