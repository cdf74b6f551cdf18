import type { ServiceConfig } from "../config/types.js";
import { ConflictError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { TAGROLL_WRITE_FLAGS } from "../state/desired-tag-writer.js";
import { withDigestHint } from "./digest-unavailable.js";
import type { SupplyChainGate } from "./supply-chain-gate.js";
import type { SupplyChainObserver } from "./supply-chain-observer.js";

/** The digest a deploy rollout starts with, or why the tag must not be rolled out. */
export type DigestSyncResult = { digest?: string } | { refused: string };

/** Called by the leader as a deploy rollout of `tag` starts (src/coordinator/runner/service-runner.ts). */
export type DigestSync = (service: ServiceConfig, tag: string) => Promise<DigestSyncResult>;

/**
 * Keeps the digest key true to a tag written outside tagroll (README, "Supply chain": hand
 * edits). tagroll writes tag and digest in one Consul transaction, so both keys carry the same
 * ModifyIndex; a `consul kv put` of the tag alone leaves them apart (or the digest key missing),
 * and a job pulling `repo@${IMAGE_DIGEST}` would restart onto the old image. Then the tag goes
 * through the webhook's gate (manifest HEAD, signature check with `verify`) and the digest is
 * compare-and-set while the tag key is still at the index read — before anything restarts.
 * A registry fault throws (the runner retries with backoff, nothing restarted); a refusal is
 * returned for the rollout to end failed with the reason.
 */
export function digestSync(deps: {
  kv: KvStore;
  gate: SupplyChainGate;
  log: Logger;
  observer: SupplyChainObserver;
}): DigestSync {
  return async (service, tag) => {
    const key = service.supplyChain?.digestKey;
    if (key === undefined) return {};
    const [current, pinned] = await Promise.all([deps.kv.get(service.key), deps.kv.get(key)]);
    // A newer value is already there: its own rollout start (or the supersede) looks at it.
    if (current?.value !== tag) return pinned ? { digest: pinned.value } : {};
    if (pinned && digestPinnedFor(pinned, current.modifyIndex)) return { digest: pinned.value };
    let admission;
    try {
      admission = await deps.gate.admit(service, tag, undefined, "edit");
    } catch (error) {
      deps.observer.onDigestPending(service.name);
      throw withDigestHint(error, service);
    }
    if (!admission.admitted) return { refused: `${tag} was written without tagroll and ${admission.reason}` };
    const result = await deps.kv.txn([
      { verb: "check-index", key: service.key, index: current.modifyIndex },
      {
        verb: "cas",
        key,
        value: admission.digest,
        index: pinned?.modifyIndex ?? 0,
        flags: TAGROLL_WRITE_FLAGS,
      },
    ]);
    if (!result.committed)
      throw new ConflictError(`${service.key} or ${key} changed while pinning the digest of ${tag}`);
    deps.log.info(
      { service: service.name, tag, digest: admission.digest, previousDigest: pinned?.value },
      "pinned the digest of a tag written without tagroll",
    );
    return { digest: admission.digest };
  };
}

/**
 * Whether the digest key holds the digest of the tag key's value at `tagIndex`: written in the
 * tag's own transaction (one ModifyIndex), or pinned by tagroll after it (digestSync's write,
 * guarded by the tag key's index, so the tag has not moved since; it carries tagroll's flags). A
 * digest put by hand after the tag is not trusted: the tag goes through the gate (and `verify`)
 * again. Status (src/operations/service-status.ts) calls anything else "digest pending".
 */
export function digestPinnedFor(digest: { modifyIndex: number; flags?: number }, tagIndex: number): boolean {
  if (digest.modifyIndex === tagIndex) return true;
  return digest.modifyIndex > tagIndex && digest.flags === TAGROLL_WRITE_FLAGS;
}
