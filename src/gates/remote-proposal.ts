import type { Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { TAGROLL_WRITE_FLAGS } from "../state/desired-tag-writer.js";
import { casRetry } from "../state/cas-retry.js";
import type { HistoryEntry } from "../state/history-store.js";
import { gateKey, historyEntryKey } from "../state/kv-layout.js";
import { parseGateRecord } from "./gate-record.js";

/** What a promotion proposes to a service that another tagroll serves (README, "Promotion"). */
export interface RemoteProposal {
  /** The target service's name in its own tagroll's configuration. */
  to: string;
  /** The target service's desired-value key in its Consul. */
  key: string;
  value: string;
  /** `web-staging@<cluster>`: the promoting service and where it runs. */
  from: string;
  /** The least approvals the target's gate asks for this value. */
  approvals: number;
  /** The succeeded rollout that proposes it: the history entry's id, so a retry writes it once. */
  rolloutId: string;
}

export type RemoteProposalResult =
  { outcome: "proposed"; previous: string | undefined } | { outcome: "already"; reason: string };

/**
 * Proposes a value to a service on another Consul/Nomad pair by writing into that pair's Consul,
 * as a webhook writes into ours: one `/v1/txn` that sets the target's gate record's `proposal`
 * (the value, where it comes from, the least approvals), writes the value into the target's key
 * and adds a `promoted-from` history entry — all or nothing, each guarded by the index read just
 * before. The tagroll serving that pair then sees a new value whose gate record says how many
 * approvals it needs, and applies its own policy, windows and approvals to it.
 *
 * Safe to repeat: the history entry's id is the rollout's, so a retry after a lost answer finds
 * it and reports `already`; a key that already holds the value is left alone. A transaction
 * that loses a race against another writer is read and tried again.
 */
export async function proposeRemote(
  kv: KvStore,
  p: RemoteProposal,
  clock: Clock,
): Promise<RemoteProposalResult> {
  const historyId = `${p.rolloutId}-promoted-from`;
  const entryKey = historyEntryKey(p.to, historyId);
  return casRetry(`propose ${p.value} to ${p.to}`, { clock, maxAttempts: 10 }, async () => {
    const [desired, gate, entry] = await Promise.all([
      kv.get(p.key),
      kv.get(gateKey(p.to)),
      kv.get(entryKey),
    ]);
    if (entry) return { outcome: "already", reason: "already proposed (history entry found)" };
    if (desired?.value === p.value) return { outcome: "already", reason: "already the desired value" };
    const now = clock.now();
    const record = parseGateRecord(p.to, gate?.value);
    record.proposal = { value: p.value, from: p.from, approvals: p.approvals, at: now };
    const history: HistoryEntry = {
      id: historyId,
      at: new Date(now).toISOString(),
      kind: "promoted-from",
      tag: p.value,
      ...(desired !== undefined && { previous: desired.value }),
      source: p.from,
      outcome: "written",
      message: `promoted from ${p.from} after its rollout succeeded`,
    };
    const result = await kv.txn([
      { verb: "cas", key: gateKey(p.to), value: JSON.stringify(record), index: gate?.modifyIndex ?? 0 },
      {
        verb: "cas",
        key: p.key,
        value: p.value,
        index: desired?.modifyIndex ?? 0,
        flags: TAGROLL_WRITE_FLAGS,
      },
      { verb: "cas", key: entryKey, value: JSON.stringify(history), index: 0 },
    ]);
    // Rolled back: someone wrote one of the keys since the read; read again and decide again.
    return result.committed ? { outcome: "proposed", previous: desired?.value } : undefined;
  });
}
