import { systemClock, type Clock } from "../core/clock.js";
import type { KvStore } from "../kv/kv-store.js";
import { casRetry, type CasRetryOptions } from "./cas-retry.js";

/**
 * Consul KV Flags on every desired value tagroll writes (webhooks, `tagroll deploy`, rollback,
 * revert): "tgrl" in ASCII. Consul stores Flags with the value and `consul kv put` writes 0
 * unless told otherwise, so a value without them was written outside tagroll — an operator edit
 * (see src/state/external-edits.ts).
 */
export const TAGROLL_WRITE_FLAGS = 0x7467726c;

/** What the caller's policy says about the value currently stored (undefined = key missing). */
export type TagDecision = { write: string } | { skip: string };

export type DesiredTagWrite =
  | { outcome: "written"; previous: string | undefined; value: string }
  | { outcome: "skipped"; reason: string; current: string | undefined };

export interface WriteDesiredTagOptions extends Partial<Omit<CasRetryOptions, "clock">> {
  clock?: Clock;
}

/**
 * Writes a desired value with a compare-and-set on the key's ModifyIndex (README,
 * "Concepts": retried on conflict, the policy applied again each time). Each round reads the key, asks `decide`
 * against what is there now, and writes only if nobody changed the key in between; a lost CAS
 * starts a new round, so two concurrent pushes end with the newest tag by policy, never a lost
 * update. Writing the value already stored is reported as skipped: it would only bump the index.
 *
 * The result carries no ModifyIndex: Consul's KV PUT answers only true/false, and reading it back
 * would double the cost of every webhook and could see a later writer's index anyway.
 * Throws `ConflictError` after `maxAttempts` lost rounds, `UpstreamUnavailableError` from the store.
 */
export async function writeDesiredTag(
  kv: KvStore,
  key: string,
  decide: (current: string | undefined) => TagDecision | Promise<TagDecision>,
  options: WriteDesiredTagOptions = {},
): Promise<DesiredTagWrite> {
  return casRetry(`write ${key}`, { ...options, clock: options.clock ?? systemClock }, async () => {
    const entry = await kv.get(key);
    const current = entry?.value;
    const decision = await decide(current);
    if ("skip" in decision) return { outcome: "skipped", reason: decision.skip, current };
    if (decision.write === current)
      return { outcome: "skipped", reason: "already the desired value", current };
    // cas 0 = create only: a key that appears between our read and write is a conflict too.
    const written = await kv.set(key, decision.write, {
      cas: entry?.modifyIndex ?? 0,
      flags: TAGROLL_WRITE_FLAGS,
    });
    return written ? { outcome: "written", previous: current, value: decision.write } : undefined;
  });
}
