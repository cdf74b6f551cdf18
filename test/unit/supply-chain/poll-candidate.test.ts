import { describe, expect, it } from "vitest";
import type { TagPolicy } from "../../../src/config/types.js";
import { pollCandidate } from "../../../src/supply-chain/poll-candidate.js";

const semver: TagPolicy = { order: "semver", allowDowngrade: false, allowLatest: false };
const SIG = `sha256-${"0".repeat(64)}.sig`;

describe("pollCandidate", () => {
  it("picks the newest tag the policy accepts over the current one, skipping cosign artifacts", () => {
    expect(pollCandidate(semver, ["1.0.0", "1.2.0", "1.1.0", SIG, "latest"], "1.0.0")).toBe("1.2.0");
    expect(pollCandidate(semver, ["1.0.0", "1.2.0"], undefined)).toBe("1.2.0");
    expect(pollCandidate({ ...semver, range: "^1.0.0" }, ["1.0.0", "2.0.0", "1.3.0"], "1.0.0")).toBe("1.3.0");
  });

  it("falls back to the current tag, still listed, so a re-push is noticed by its digest", () => {
    expect(pollCandidate(semver, ["1.0.0", "0.9.0", SIG], "1.0.0")).toBe("1.0.0");
    expect(pollCandidate(semver, ["0.9.0"], "1.0.0")).toBeUndefined();
  });

  it("with order none only ever re-checks the current tag", () => {
    const none: TagPolicy = { ...semver, order: "none" };
    expect(pollCandidate(none, ["a", "b", "main"], "main")).toBe("main");
    expect(pollCandidate(none, ["a", "b"], undefined)).toBeUndefined();
  });
});
