import type { ServiceConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { evaluateTag } from "../policy/index.js";
import { writeDesiredTag } from "../state/desired-tag-writer.js";
import type { NewHistoryEntry } from "../state/history-store.js";
import type { GateStore } from "./gate-store.js";

export interface PromotionDeps {
  services: readonly ServiceConfig[];
  kv: KvStore;
  store: GateStore;
  clock: Clock;
  appendHistory: (service: string, entry: NewHistoryEntry) => Promise<unknown>;
}

export interface Promotion {
  from: string;
  to: string;
  value: string;
  /** Written into the target's key; otherwise `reason` says why not (its tag policy, same value). */
  proposed: boolean;
  reason?: string;
}

/**
 * Promotion (README, "Promotion"): after `from`'s rollout of `value` succeeded, proposes the
 * value to the service its `promote.to` names. The target's gate record learns first that the
 * value comes from `from` and needs at least `promote.approvals` approvals; then the value is
 * written to the target's key with the ingress's compare-and-set, under the target's own tag
 * policy. From there the target's gate applies its own approvals and windows like for any value.
 */
export async function promoteValue(
  deps: PromotionDeps,
  from: ServiceConfig,
  value: string,
  rolloutId: string,
): Promise<Promotion | undefined> {
  const promote = from.promote;
  const target = deps.services.find((s) => s.name === promote?.to);
  if (!promote || !target) return undefined;
  const now = deps.clock.now();
  await deps.store.update(target.name, (gate) => ({
    ...gate,
    proposal: { value, from: from.name, approvals: promote.approvals, at: now },
  }));
  const write = await writeDesiredTag(
    deps.kv,
    target.key,
    (current) => {
      const decision = evaluateTag(target.policy, value, current);
      return decision.accept ? { write: value } : { skip: decision.reason };
    },
    { clock: deps.clock },
  );
  const proposed = write.outcome === "written";
  const reason = write.outcome === "skipped" ? write.reason : undefined;
  await deps.appendHistory(from.name, {
    id: `${rolloutId}-promoted`,
    kind: "promoted-to",
    tag: value,
    source: target.name,
    outcome: proposed ? "proposed" : "skipped",
    message: proposed ? `proposed to ${target.name}` : `not proposed to ${target.name}: ${reason}`,
  });
  if (proposed) {
    await deps.appendHistory(target.name, {
      id: `${rolloutId}-promoted-from`,
      kind: "promoted-from",
      tag: value,
      ...(write.previous !== undefined && { previous: write.previous }),
      source: from.name,
      outcome: "written",
      message: `proposed by ${from.name} after its rollout succeeded`,
    });
  }
  return { from: from.name, to: target.name, value, proposed, ...(reason !== undefined && { reason }) };
}
