import { MAX_TXN_OPS, type KvTxnOp } from "../../kv/kv-store.js";
import { TAGROLL_WRITE_FLAGS } from "../../state/desired-tag-writer.js";
import type { DeliveryStore } from "../../state/delivery-store.js";
import type { HistoryStore } from "../../state/history-store.js";
import { tokenKey } from "../../state/kv-layout.js";
import { pinnedDecision, pinOps } from "../../supply-chain/digest-pin.js";
import type { KnownValue } from "../ingest-state.js";
import type { Pending, PushWrite } from "./pending.js";

/** One webhook's place in a batch: its ops are `ops[start, end)`. */
export interface Member {
  pending: Pending;
  start: number;
  end: number;
  /**
   * The op that fails when the token was revoked (the first member with that token holds it, the
   * others point at it), and the one that fails for a seen delivery.
   */
  revocationOp: number;
  deliveryOp?: number;
  /** The chain of webhooks on the same desired key in this batch; its guard is their guard. */
  chain: Chain;
  /** What this webhook gets when the transaction commits. */
  outcome: PushWrite;
  /** The history entry key this webhook creates when it writes a value. */
  historyKey?: string;
}

/** Every member deciding on one desired key, in order, each on the value the one before left. */
export interface Chain {
  key: string;
  value: string | undefined;
  /** Ops that fail when the key (or the pinned digest) moved since the decision: cas or check-index. */
  guards: number[];
  members: Member[];
  pinKey?: string;
}

export interface BatchContext {
  /** The key's value and index as last known, undefined when it must be read first. */
  current: (key: string) => KnownValue | undefined;
  /** Keys written by a transaction still in flight: their index is about to change. */
  busy: ReadonlySet<string>;
  history: HistoryStore;
  deliveries: DeliveryStore;
  now: number;
  maxOps?: number;
}

export interface Batch {
  ops: KvTxnOp[];
  members: Member[];
  chains: Map<string, Chain>;
  /** Left for a later batch (their key is busy, or no room), in their order. */
  deferred: Pending[];
  /** Need a fresh read of their key before they can be decided. */
  unknown: Pending[];
}

/**
 * Builds one Consul transaction out of waiting webhooks (README, "Ingest batching"). Webhooks on
 * the same desired key form a chain: the first is guarded by the key's ModifyIndex (cas, or
 * check-index when it writes nothing); each later one decides on the value the one before it
 * leaves and writes with a plain set, which the first's guard makes safe — the transaction is
 * atomic. Every webhook keeps its own delivery check and its token's revocation check (one per
 * token in the batch), so a failure names the webhooks it belongs to. A pinned digest (issue 12)
 * never shares its keys within a batch.
 */
export function assembleBatch(queue: readonly Pending[], ctx: BatchContext): Batch {
  const batch: Batch = { ops: [], members: [], chains: new Map(), deferred: [], unknown: [] };
  const deliveries = new Set<string>();
  // One revocation check per token in the batch: a burst from one sender shares it (issue 14).
  const revocations = new Map<string, number>();
  const maxOps = ctx.maxOps ?? MAX_TXN_OPS;
  for (const pending of queue) {
    const { req } = pending;
    const chain = batch.chains.get(req.key);
    const blocked =
      ctx.busy.has(req.key) ||
      (req.pin !== undefined && (chain !== undefined || ctx.busy.has(req.pin.key))) ||
      chain?.pinKey !== undefined;
    const known = chain ? { value: chain.value, modifyIndex: -1 } : ctx.current(req.key);
    const pinned = req.pin && ctx.current(req.pin.key);
    if (blocked) {
      batch.deferred.push(pending);
      continue;
    }
    if (pending.reread || known === undefined || (req.pin && pinned === undefined)) {
      batch.unknown.push(pending);
      continue;
    }
    const delivery =
      req.delivery && ctx.deliveries.prepare(req.service, req.delivery.source, req.delivery.id);
    const checked = revocations.get(req.jti);
    const built = build(pending, known, pinned, chain, delivery, checked === undefined, ctx);
    if ((delivery && deliveries.has(delivery.check.key)) || batch.ops.length + built.ops.length > maxOps) {
      batch.deferred.push(pending);
      continue;
    }
    if (delivery) deliveries.add(delivery.check.key);
    const start = batch.ops.length;
    if (checked === undefined) revocations.set(req.jti, start);
    const own = chain ?? { key: req.key, value: known.value, guards: [], members: [] };
    if (!chain) batch.chains.set(req.key, own);
    if (req.pin) own.pinKey = req.pin.key;
    own.guards.push(...built.guards.map((g) => g + start));
    batch.ops.push(...built.ops);
    const member: Member = {
      pending,
      start,
      end: batch.ops.length,
      revocationOp: checked ?? start,
      ...(delivery && { deliveryOp: checked === undefined ? start + 1 : start }),
      chain: own,
      outcome: built.outcome,
      ...(built.historyKey !== undefined && { historyKey: built.historyKey }),
    };
    if (built.outcome.outcome === "written") own.value = built.outcome.value;
    own.members.push(member);
    batch.members.push(member);
  }
  return batch;
}

function build(
  pending: Pending,
  known: KnownValue,
  pinned: KnownValue | undefined,
  chain: Chain | undefined,
  delivery: { check: KvTxnOp; create: KvTxnOp } | undefined,
  checkRevocation: boolean,
  ctx: BatchContext,
): { ops: KvTxnOp[]; guards: number[]; outcome: PushWrite; historyKey?: string } {
  const { req } = pending;
  const { key, pin } = req;
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
  const ops: KvTxnOp[] = checkRevocation
    ? [{ verb: "check-not-exists", key: tokenKey("revoked", req.jti) }]
    : [];
  const guards: number[] = [];
  if (delivery) ops.push(delivery.check);
  let outcome: PushWrite;
  let historyKey: string | undefined;
  if ("write" in decision && skip === undefined) {
    const value = decision.write;
    if (!chain) guards.push(ops.length);
    ops.push(
      chain
        ? { verb: "set", key, value, flags: TAGROLL_WRITE_FLAGS }
        : { verb: "cas", key, value, index: known.modifyIndex, flags: TAGROLL_WRITE_FLAGS },
    );
    if (pin && pinned) {
      guards.push(ops.length);
      ops.push(...pinOps(pin, pinned.modifyIndex, value === known.value, ctx.now));
    }
    const history = ctx.history.prepare(req.service, req.entry(value, known.value)).op;
    historyKey = history.key;
    ops.push(history);
    outcome = { outcome: "written", previous: known.value, value };
  } else {
    if (!chain) {
      guards.push(ops.length);
      ops.push(
        known.modifyIndex === 0
          ? { verb: "check-not-exists", key }
          : { verb: "check-index", key, index: known.modifyIndex },
      );
    }
    outcome = { outcome: "skipped", reason: skip ?? "", current: known.value };
  }
  if (delivery) ops.push(delivery.create);
  return { ops, guards, outcome, ...(historyKey !== undefined && { historyKey }) };
}
