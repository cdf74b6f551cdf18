import { describe, expect, it } from "vitest";
import { formatHistory } from "../../../src/cli/format-history.js";

describe("tagroll history with pinned digests", () => {
  it("shows each digest, shortened, after its tag", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const previousDigest = `sha256:${"b".repeat(64)}`;
    const text = formatHistory({
      service: "web",
      entries: [
        {
          id: "1",
          at: "2026-11-25T19:00:00.000Z",
          kind: "push",
          tag: "1.0.0",
          previous: "1.0.0",
          digest,
          previousDigest,
          source: "poll",
        },
      ],
    });
    expect(text).toContain(`1.0.0@sha256:${"a".repeat(12)}`);
    expect(text).toContain(`1.0.0@sha256:${"b".repeat(12)}`);
    expect(text).not.toContain("a".repeat(13));
  });
});
