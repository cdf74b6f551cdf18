import type { Clock } from "../core/clock.js";
import { Backoff } from "../core/backoff.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { folderPrefix } from "./kv-layout.js";

/**
 * tagroll's folders that blocking queries watch although they are usually empty: the revoked
 * token ids (src/ingress/ingest-state.ts), restart requests and gates (the coordinator's KV
 * watch).
 */
export const WATCHED_STATE_FOLDERS = [
  folderPrefix("revoked"),
  folderPrefix("requests"),
  folderPrefix("gates"),
];

/**
 * Gives each folder a key of its own name (`tagroll/revoked/`, empty, as Consul's UI makes
 * folders). A blocking query on a prefix holding no key answers with the index of the whole KV
 * store, so it returns on every write anywhere (every webhook's history entry); with the marker it
 * answers with the highest index under the prefix and returns only when the folder changes.
 * Readers of these folders skip the marker: it names no token, service or gate
 * (src/state/kv-layout.ts). Created once (`cas=0`); retried with backoff while Consul is away,
 * until `signal` aborts. Resolves true once every marker exists.
 */
export async function ensureFolderMarkers(o: {
  kv: KvStore;
  clock: Clock;
  log: Logger;
  folders?: readonly string[];
  signal?: AbortSignal;
}): Promise<boolean> {
  const backoff = new Backoff(1_000, 60_000);
  let missing = [...(o.folders ?? WATCHED_STATE_FOLDERS)];
  while (missing.length > 0) {
    const failed: string[] = [];
    for (const folder of missing) {
      try {
        // false: the marker (or a key of that name) already exists, which is all that is needed.
        await o.kv.set(folder, "", { cas: 0 });
      } catch (err) {
        if (o.signal?.aborted) return false;
        failed.push(folder);
        o.log.warn(
          { err, folder },
          "could not create the folder's marker key; its blocking query wakes on every KV write until it exists",
        );
      }
    }
    missing = failed;
    if (missing.length === 0 || o.signal?.aborted) break;
    await o.clock.sleep(backoff.next(), o.signal).catch(() => undefined);
    if (o.signal?.aborted) break;
  }
  return missing.length === 0;
}
