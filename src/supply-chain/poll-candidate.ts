import type { TagPolicy } from "../config/types.js";
import { compareTags, evaluateTag } from "../policy/index.js";

/** cosign's signature, attestation and SBOM tags (`sha256-<hex>.sig`): artifacts, not releases. */
const ARTIFACT_TAG = /^sha256-[a-f0-9]{64}\.(sig|att|sbom)$/;

/**
 * Of a repository's tags, the one a poll should try (README, "Polling"): the newest tag the
 * policy accepts over `current`; else `current` itself when it is still listed, so a re-pushed
 * mutable tag is noticed by its digest. Undefined when there is nothing to try.
 */
export function pollCandidate(
  policy: TagPolicy,
  tags: readonly string[],
  current: string | undefined,
): string | undefined {
  const releases = tags.filter((tag) => !ARTIFACT_TAG.test(tag));
  const accepted =
    policy.order === "none" ? [] : releases.filter((tag) => evaluateTag(policy, tag, current).accept);
  const newest = accepted.reduce<string | undefined>(
    (best, tag) => (best === undefined || compareTags(policy, tag, best) > 0 ? tag : best),
    undefined,
  );
  if (newest !== undefined) return newest;
  return current !== undefined && releases.includes(current) ? current : undefined;
}
