import { describe, expect, it } from "vitest";
import type { TagPolicy } from "../../../src/config/types.js";
import { evaluateTag, type TagRejectionCode } from "../../../src/policy/evaluate-tag.js";

const policy = (overrides: Partial<TagPolicy> = {}): TagPolicy => ({
  order: "none",
  allowDowngrade: false,
  allowLatest: false,
  ...overrides,
});

/** [candidate, current, expected: "accept" or the rejection code] */
type Row = [string, string | undefined, "accept" | TagRejectionCode];

function check(tagPolicy: TagPolicy, rows: Row[]) {
  it.each(rows)("%s over %s → %s", (candidate, current, expected) => {
    const decision = evaluateTag(tagPolicy, candidate, current);
    if (expected === "accept") expect(decision).toEqual({ accept: true });
    else expect(decision).toMatchObject({ accept: false, code: expected, reason: expect.any(String) });
  });
}

describe("order semver", () => {
  check(policy({ order: "semver" }), [
    ["1.2.4", "1.2.3", "accept"],
    ["v1.3.0", "1.2.3", "accept"],
    ["1.10.0", "1.9.0", "accept"],
    ["2.0.0-rc.1", "1.9.0", "accept"],
    ["2.0.0", "2.0.0-rc.1", "accept"],
    ["1.2.3", undefined, "accept"],
    ["1.2.3", "latest", "accept"],
    ["1.2.3", "hand-written", "accept"],
    ["1.2.2", "1.2.3", "downgrade"],
    ["2.0.0-rc.1", "2.0.0", "downgrade"],
    ["v1.2.3", "1.2.3", "not-newer"],
    ["1.2.3", "1.2.3", "duplicate"],
    ["1.2", "1.0.0", "unparseable"],
    ["release-1", undefined, "unparseable"],
  ]);
});

describe("order semver with a range (npm prerelease rule)", () => {
  check(policy({ order: "semver", range: "^1.2.0" }), [
    ["1.2.0", undefined, "accept"],
    ["1.9.9", "1.2.0", "accept"],
    ["2.0.0", "1.9.9", "range"],
    ["1.1.9", undefined, "range"],
    ["1.3.0-rc.1", "1.2.0", "range"],
  ]);
  check(policy({ order: "semver", range: ">=1.3.0-rc.0 <2" }), [["1.3.0-rc.1", "1.2.0", "accept"]]);
});

describe("allowDowngrade", () => {
  check(policy({ order: "semver", allowDowngrade: true }), [
    ["1.0.0", "2.0.0", "accept"],
    ["v2.0.0", "2.0.0", "accept"],
    ["2.0.0", "2.0.0", "duplicate"],
    ["nope", "2.0.0", "unparseable"],
  ]);
});

describe("order numeric", () => {
  check(policy({ order: "numeric" }), [
    ["112", "41", "accept"],
    ["41", "112", "downgrade"],
    ["0042", "42", "not-newer"],
    ["99999999999999999999", "99999999999999999998", "accept"],
    ["build-42", undefined, "unparseable"],
  ]);
  describe("with a capture group in match", () => {
    check(policy({ order: "numeric", match: "build-(\\d+)" }), [
      ["build-112", "build-41", "accept"],
      ["build-41", "build-112", "downgrade"],
      ["build-x", undefined, "match"],
      ["112", undefined, "match"],
    ]);
  });
});

describe("order timestamp", () => {
  check(policy({ order: "timestamp" }), [
    ["release-20260103082900", "release-20260102235959", "accept"],
    ["release-20260101000000", "release-20260103082900", "downgrade"],
    ["20260104", "release-20260103082900", "accept"],
    ["v2-20260104", "20260103", "accept"],
    ["build-20260103", "20260103", "not-newer"],
    ["release-2026", undefined, "unparseable"],
    ["release-20261301", undefined, "unparseable"],
    ["20260101-20260102", undefined, "unparseable"],
    ["r123456789012345", undefined, "unparseable"],
  ]);
});

describe("order alphabetical", () => {
  check(policy({ order: "alphabetical" }), [
    ["b", "a", "accept"],
    ["B", "a", "downgrade"],
    ["ab", "a", "accept"],
    ["a", "a", "duplicate"],
    ["a", "latest", "accept"],
  ]);
});

describe("order none", () => {
  check(policy(), [
    ["anything", "zzz", "accept"],
    ["0.0.1", "9.9.9", "accept"],
    ["same", "same", "duplicate"],
    ["bad tag", undefined, "invalid"],
    [".hidden", undefined, "invalid"],
  ]);
});

describe("latest", () => {
  check(policy({ order: "semver" }), [["latest", "1.0.0", "latest"]]);
  check(policy({ order: "semver", allowLatest: true, match: "v\\d+.*" }), [
    ["latest", "1.0.0", "accept"],
    ["latest", "latest", "duplicate"],
  ]);
});

describe("match", () => {
  check(policy({ match: "main-[0-9a-f]{7}" }), [
    ["main-1a2b3c4", undefined, "accept"],
    ["main-1a2b3c4-dirty", undefined, "match"],
    ["x-main-1a2b3c4", undefined, "match"],
  ]);
});

describe("reasons", () => {
  it("name the order and the current tag", () => {
    expect(evaluateTag(policy({ order: "semver" }), "1.0.0", "2.0.0")).toEqual({
      accept: false,
      code: "downgrade",
      reason: '"1.0.0" is older than the current "2.0.0" (policy.allowDowngrade is off)',
    });
    expect(evaluateTag(policy({ order: "numeric" }), "abc", undefined)).toEqual({
      accept: false,
      code: "unparseable",
      reason: '"abc" is not a number (policy.order: numeric)',
    });
  });

  it("escape control characters from a sender", () => {
    const decision = evaluateTag(policy(), "a\nb", undefined);
    expect(decision.accept).toBe(false);
    expect(JSON.stringify(decision)).not.toContain("\n");
    if (!decision.accept) expect(decision.reason).not.toContain("\n");
  });
});
