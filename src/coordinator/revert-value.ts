import type { Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { writeDesiredTag } from "../state/desired-tag-writer.js";
import { writePinnedTag } from "../supply-chain/pinned-write.js";
import type { ServiceConfig } from "../config/types.js";
import type { RolloutRecord } from "./model/index.js";
import type { RevertWrite } from "./engine/index.js";

/** issue 12: the digest written back beside the reverted tag (README, "Supply chain"). */
export interface DigestWrite {
  key: string;
  value: string;
}

/**
 * autoRevert's write (ARCHITECTURE.md, "Revert"): puts `to` back into `key` with the same CAS path the
 * ingress uses, but only while the key still holds the failing value `from` — a value someone
 * wrote meanwhile is newer than both and wins (it supersedes the rollout instead). With `digest`
 * (a service that pins digests), the previous digest goes back in the same transaction.
 */
export async function revertValue(
  kv: KvStore,
  key: string,
  from: string,
  to: string,
  clock: Clock,
  digest?: DigestWrite,
): Promise<RevertWrite> {
  const result = digest
    ? await writePinnedTag(kv, key, to, digest, clock, from)
    : await writeDesiredTag(
        kv,
        key,
        (current) =>
          current === from ? { write: to } : { skip: "the key changed since the rollout started" },
        { clock },
      );
  return result.outcome === "written" ? { written: true } : { written: false, current: result.current };
}

/**
 * The digest autoRevert writes back beside `record.previousValue`, for a service that pins
 * digests and a record that knows the previous one (README, "Supply chain"); both strategies,
 * restart and redeploy, revert through it.
 */
export function revertDigest(service: ServiceConfig, record: RolloutRecord): DigestWrite | undefined {
  const key = service.supplyChain?.digestKey;
  return key && record.previousDigest ? { key, value: record.previousDigest } : undefined;
}
