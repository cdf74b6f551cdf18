import type { ServiceConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { KvStore, KvTxnOp } from "../kv/kv-store.js";
import { evaluateTag } from "../policy/index.js";
import { casRetry } from "../state/cas-retry.js";
import { TAGROLL_WRITE_FLAGS } from "../state/desired-tag-writer.js";
import type { HistoryStore } from "../state/history-store.js";
import { pinnedDecision, pinOps, type DigestPin } from "./digest-pin.js";
import type { Admission } from "./supply-chain-gate.js";

export type PublishResult =
  | { outcome: "written"; tag: string; digest: string; previous?: string }
  | { outcome: "unchanged" | "refused"; tag: string; reason: string };

/**
 * Writes a polled tag the way a webhook does (src/ingress/push-write.ts): the policy decides on
 * the value read, and the tag, its digest and the history entry go in one Consul transaction
 * that holds only while both keys are still at the indexes read; a lost round reads again.
 */
export async function publishTag(
  deps: { kv: KvStore; history: HistoryStore; log: Logger; clock: Clock },
  service: ServiceConfig,
  tag: string,
  admission: Admission,
  source: string,
): Promise<PublishResult> {
  if (!admission.admitted) return { outcome: "refused", tag, reason: admission.reason };
  const key = service.supplyChain?.digestKey;
  if (key === undefined) throw new Error(`service ${service.name} does not pin digests`);
  const pin: DigestPin = { tag, digest: admission.digest, key, service: service.name };
  return casRetry(`write ${service.key}`, { clock: deps.clock }, async () => {
    const [current, pinned] = await Promise.all([deps.kv.get(service.key), deps.kv.get(key)]);
    const verdict = evaluateTag(service.policy, tag, current?.value);
    const decision = pinnedDecision(
      verdict.accept ? { write: tag } : { skip: verdict.reason },
      current?.value,
      pinned?.value,
      pin,
    );
    if ("skip" in decision) return { outcome: "unchanged" as const, tag, reason: decision.skip };
    const entry = deps.history.prepare(service.name, {
      kind: "push",
      tag,
      digest: pin.digest,
      ...(current !== undefined && { previous: current.value }),
      ...(pinned !== undefined && { previousDigest: pinned.value }),
      source,
    });
    const ops: KvTxnOp[] = [
      {
        verb: "cas",
        key: service.key,
        value: tag,
        index: current?.modifyIndex ?? 0,
        flags: TAGROLL_WRITE_FLAGS,
      },
      ...pinOps(pin, pinned?.modifyIndex ?? 0, current?.value === tag, deps.clock.now()),
      entry.op,
    ];
    const result = await deps.kv.txn(ops);
    if (!result.committed) return undefined;
    const created = result.entries.find((e) => e.key === entry.op.key);
    deps.history.appended(service.name, created, (err) => deps.log.warn({ err }, "history not trimmed"));
    return {
      outcome: "written" as const,
      tag,
      digest: pin.digest,
      ...(current !== undefined && { previous: current.value }),
    };
  });
}
