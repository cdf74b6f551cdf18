import { describe, expect, it } from "vitest";
import type { TagPolicy } from "../../../src/config/types.js";
import { planPrune, type PruneInput } from "../../../src/prune/prune-plan.js";

const semver: TagPolicy = { order: "semver", allowDowngrade: false, allowLatest: false };
const d = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const sig = (digest: string) => `${digest.replace(":", "-")}.sig`;

function input(tags: Record<string, string>, extra: Partial<PruneInput> = {}): PruneInput {
  return {
    policy: semver,
    digests: new Map(Object.entries(tags)),
    keep: 2,
    keepTags: [],
    deployed: undefined,
    previous: undefined,
    ...extra,
  };
}

describe("planPrune", () => {
  it("keeps the newest N, named tags, deployed and previous; deletes the rest with their signatures", () => {
    const tags = {
      "1.0.0": d(1),
      "1.1.0": d(2),
      "1.2.0": d(3),
      "1.3.0": d(4),
      "1.4.0": d(5),
      stable: d(9),
      [sig(d(1))]: d(11),
      [sig(d(5))]: d(15),
    };
    const decision = planPrune(input(tags, { keepTags: ["stable"], deployed: "1.4.0", previous: "1.1.0" }));
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.plan.delete).toEqual([
      { digest: d(3), tags: ["1.2.0"] },
      { digest: d(1), tags: ["1.0.0"] },
      { digest: d(11), tags: [sig(d(1))] },
    ]);
    expect(decision.plan.keep.sort()).toEqual(["1.1.0", "1.3.0", "1.4.0", "stable"]);
  });

  it("never deletes a digest a protected tag shares, nor one a non-candidate tag carries", () => {
    const tags = {
      "1.0.0": d(1),
      "1.1.0": d(2),
      "1.2.0": d(3),
      "1.3.0": d(4),
      stable: d(1),
      "nightly-x": d(2),
    };
    const decision = planPrune(input(tags, { keep: 1, keepTags: ["stable"], deployed: "1.3.0" }));
    expect(decision).toMatchObject({ ok: true, plan: { delete: [{ digest: d(3), tags: ["1.2.0"] }] } });
  });

  it("refuses, deleting nothing, when tags cannot be ordered or the deployed tag is missing", () => {
    expect(planPrune(input({ a: d(1) }, { policy: { ...semver, order: "none" } }))).toMatchObject({
      ok: false,
    });
    expect(planPrune(input({ "1.0.0": d(1) }, { deployed: "2.0.0" }))).toEqual({
      ok: false,
      reason: "the deployed tag 2.0.0 is not in the registry",
    });
  });
});
