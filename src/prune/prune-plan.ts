import type { TagPolicy } from "../config/types.js";
import { compareTags, evaluateTag } from "../policy/index.js";
import { signatureTag } from "../supply-chain/cosign-signature.js";

export interface PruneInput {
  policy: TagPolicy;
  /** Every tag of the repository and the digest it resolves to. */
  digests: ReadonlyMap<string, string>;
  keep: number;
  keepTags: readonly string[];
  /** The desired value now (deployed) and the rollback target; both are never deleted. */
  deployed: string | undefined;
  previous: string | undefined;
}

export interface PrunePlan {
  /** Manifests to delete, one per digest, with every tag that goes with it. */
  delete: Array<{ digest: string; tags: string[] }>;
  keep: string[];
}

export type PruneDecision = { ok: true; plan: PrunePlan } | { ok: false; reason: string };

const ARTIFACT = /^sha256-[a-f0-9]{64}\.(sig|att|sbom)$/;

/**
 * Which manifests pruning deletes (README, "Pruning"). Only tags the service's policy could deploy
 * are candidates, newest `keep` of them stay, and so do `keepTags`, the deployed value, the
 * previous one and every tag sharing a digest with any of those (deleting a manifest removes all
 * its tags). A deleted digest's cosign signature goes with it. Refuses (deletes nothing) when the
 * policy cannot order tags or the deployed value is not in the registry.
 */
export function planPrune(input: PruneInput): PruneDecision {
  const { policy, digests } = input;
  if (policy.order === "none") return { ok: false, reason: "policy.order is none: tags cannot be ordered" };
  if (input.deployed !== undefined && !digests.has(input.deployed)) {
    return { ok: false, reason: `the deployed tag ${input.deployed} is not in the registry` };
  }
  const tags = [...digests.keys()].filter((t) => !ARTIFACT.test(t));
  const candidates = tags
    .filter((t) => evaluateTag(policy, t, undefined).accept)
    .sort((a, b) => compareTags(policy, b, a));
  const named = [input.deployed, input.previous, ...input.keepTags].filter(
    (t): t is string => t !== undefined,
  );
  const kept = new Set([...candidates.slice(0, input.keep), ...named]);
  const protectedDigests = new Set([...kept].flatMap((t) => digests.get(t) ?? []));
  const byDigest = new Map<string, string[]>();
  for (const tag of candidates) {
    const digest = digests.get(tag);
    if (kept.has(tag) || digest === undefined || protectedDigests.has(digest)) continue;
    byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
  }
  // A digest also carried by a tag that is not a candidate (another naming scheme) stays.
  for (const tag of tags) {
    const digest = digests.get(tag);
    if (digest !== undefined && byDigest.has(digest) && !candidates.includes(tag)) byDigest.delete(digest);
  }
  const remove = [...byDigest].map(([digest, list]) => ({ digest, tags: list }));
  for (const { digest } of [...remove]) {
    const sig = signatureTag(digest);
    const sigDigest = digests.get(sig);
    if (sigDigest !== undefined) remove.push({ digest: sigDigest, tags: [sig] });
  }
  const deleted = new Set(remove.flatMap((r) => r.tags));
  // The last guard: nothing named may ever be in the plan, whatever the code above does.
  const hit = named.find((t) => deleted.has(t) || remove.some((r) => r.digest === digests.get(t)));
  if (hit !== undefined) return { ok: false, reason: `the plan would delete protected tag ${hit}` };
  return { ok: true, plan: { delete: remove, keep: tags.filter((t) => !deleted.has(t)) } };
}
