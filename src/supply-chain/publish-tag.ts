import type { ServiceConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { evaluateTag } from "../policy/index.js";
import type { HistoryStore } from "../state/history-store.js";
import { writePinnedTag } from "./pinned-tag-writer.js";
import type { Admission } from "./supply-chain-gate.js";

export type PublishResult =
  | { outcome: "written"; tag: string; digest: string; previous?: string }
  | { outcome: "unchanged" | "refused"; tag: string; reason: string };

/**
 * Writes an admitted tag and digest the way a webhook does (policy inside the CAS rounds, one
 * transaction for both keys) and appends the history entry. Used by polling; the webhook path in
 * src/ingress/push-receiver.ts calls the same writer.
 */
export async function publishTag(
  deps: { kv: KvStore; history: HistoryStore; log: Logger },
  service: ServiceConfig,
  tag: string,
  admission: Admission,
  source: string,
): Promise<PublishResult> {
  if (!admission.admitted) return { outcome: "refused", tag, reason: admission.reason };
  const digestKey = service.supplyChain?.digestKey;
  if (digestKey === undefined) throw new Error(`service ${service.name} does not pin digests`);
  const result = await writePinnedTag(
    deps.kv,
    { tag: service.key, digest: digestKey, service: service.name },
    { tag, digest: admission.digest },
    (current) => {
      const verdict = evaluateTag(service.policy, tag, current);
      return verdict.accept ? { write: tag } : { skip: verdict.reason };
    },
  );
  if (result.outcome === "skipped") return { outcome: "unchanged", tag, reason: result.reason };
  await deps.history
    .append(service.name, {
      kind: "push",
      tag,
      digest: result.digest,
      ...(result.previous !== undefined && { previous: result.previous }),
      ...(result.previousDigest !== undefined && { previousDigest: result.previousDigest }),
      source,
    })
    .catch((err: unknown) => deps.log.warn({ err }, "tag written but history append failed"));
  return {
    outcome: "written",
    tag,
    digest: result.digest,
    ...(result.previous !== undefined && { previous: result.previous }),
  };
}
