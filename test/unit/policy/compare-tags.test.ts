import { describe, expect, it } from "vitest";
import type { TagOrder, TagPolicy } from "../../../src/config/types.js";
import { compareTags } from "../../../src/policy/tag-order.js";

const policy = (order: TagOrder, match?: string): TagPolicy => ({
  order,
  allowDowngrade: false,
  allowLatest: false,
  ...(match !== undefined && { match }),
});

const newest = (tagPolicy: TagPolicy, tags: string[]) =>
  [...tags].sort((a, b) => compareTags(tagPolicy, a, b)).at(-1);

describe("compareTags", () => {
  it.each<[TagPolicy, string[], string]>([
    [policy("semver"), ["1.9.0", "1.10.0", "v1.2.0", "1.10.0-rc.1"], "1.10.0"],
    [policy("numeric"), ["9", "10", "100", "011"], "100"],
    [policy("numeric", "build-(\\d+)"), ["build-9", "build-10"], "build-10"],
    [policy("timestamp"), ["r-20260103", "r-20260102235959", "r-20260103000001"], "r-20260103000001"],
    [policy("alphabetical"), ["b", "a", "ab"], "b"],
  ])("picks the newest by %j", (tagPolicy, tags, expected) => {
    expect(newest(tagPolicy, tags)).toBe(expected);
  });

  it("sorts unreadable tags before readable ones", () => {
    expect(compareTags(policy("semver"), "latest", "0.0.1")).toBe(-1);
    expect(compareTags(policy("semver"), "0.0.1", "latest")).toBe(1);
    expect(compareTags(policy("semver"), "latest", "main")).toBe(0);
    expect(compareTags(policy("numeric", "build-(\\d+)"), "other", "build-1")).toBe(-1);
  });

  it("is symmetric and returns -1, 0 or 1", () => {
    expect(compareTags(policy("numeric"), "1", "1000")).toBe(-1);
    expect(compareTags(policy("numeric"), "1000", "1")).toBe(1);
    expect(compareTags(policy("semver"), "v1.0.0", "1.0.0")).toBe(0);
  });

  it("orders nothing with order none", () => {
    expect(compareTags(policy("none"), "1", "2")).toBe(0);
  });
});
