import { describe, expect, it } from "vitest";
import { formatCheck } from "../../../src/cli/format-check.js";
import { formatHistory } from "../../../src/cli/format-history.js";
import { formatStatus } from "../../../src/cli/format-status.js";
import { checkReport, historyReport, statusAll, statusOne } from "./cli-fixtures.js";
import { NEW_DIGEST, OLD_DIGEST, statusPinned } from "./cli-fixtures.js";

/**
 * Human output pinned by golden files (test/fixtures/cli/*.txt): a change to a table shows up
 * as a diff of those files in review. Regenerate deliberately with `vitest run -u`.
 */
const golden = (name: string) => `../../fixtures/cli/${name}`;

describe("golden human output", () => {
  it("status of every service: leader, one row per service, no allocation tables", async () => {
    await expect(formatStatus(statusAll, { allocations: false })).toMatchFileSnapshot(
      golden("status-all.txt"),
    );
  });

  it("status of one service lists its allocations one by one", async () => {
    await expect(formatStatus(statusOne, { allocations: true })).toMatchFileSnapshot(
      golden("status-service.txt"),
    );
  });

  it('status of a service that pins digests shows the digests, short (README, "Supply chain")', async () => {
    await expect(formatStatus(statusPinned, { allocations: true })).toMatchFileSnapshot(
      golden("status-pinned.txt"),
    );
  });

  it("counts an allocation on the desired tag but the old digest as not on the desired value", () => {
    const text = formatStatus(statusPinned, { allocations: true });
    expect(text).toContain(`1/2 on v1@${NEW_DIGEST.slice(0, 19)}`);
    expect(text).toMatch(new RegExp(`web\\.app\\[2\\].*v1@${OLD_DIGEST.slice(0, 19)}`));
    const gone = structuredClone(statusPinned);
    delete gone.services[0]!.digest;
    delete gone.services[0]!.rollout!.digest;
    expect(formatStatus(gone, { allocations: true })).not.toContain("sha256:");
  });

  it("names the digest pushed with a value that waits at its gate, short", () => {
    const held = structuredClone(statusPinned);
    held.services[0]!.waiting = {
      kind: "pending-approval",
      value: "v2",
      since: "2026-01-01T10:00:00.000Z",
      approvals: [],
      required: 1,
      digest: NEW_DIGEST,
    };
    expect(formatStatus(held, { allocations: false })).toContain(
      `web: v2@${NEW_DIGEST.slice(0, 19)} waits for approval (0/1) — tagroll approve web`,
    );
    delete held.services[0]!.waiting.digest;
    expect(formatStatus(held, { allocations: false })).toContain("web: v2 waits for approval (0/1)");
  });

  it("says when the leader's Nomad event stream is not followed, and nothing when it is", () => {
    const at = (state: string, reason?: string) => ({
      services: [],
      leader: {
        instance: "tagroll-7f9c",
        nomadEvents: { state, ...(reason && { reason }), since: "2026-01-01T10:00:00.000Z" },
      },
    });
    expect(formatStatus(at("connected"), { allocations: false }).split("\n")[0]).toBe("leader: tagroll-7f9c");
    expect(formatStatus(at("refused", "HTTP 403 Permission denied"), { allocations: false })).toContain(
      "Nomad event stream refused since 2026-01-01 10:00:00Z (HTTP 403 Permission denied): " +
        "Nomad-side changes are found only by the reconcile sweep",
    );
    expect(formatStatus(at("disconnected", "ECONNREFUSED"), { allocations: false })).toContain(
      "Nomad event stream disconnected, reconnecting since",
    );
  });

  it("says when what changed in Nomad while its event stream was away is not yet listed", () => {
    const report = {
      services: [],
      leader: {
        instance: "tagroll-7f9c",
        nomadEvents: {
          state: "connected",
          since: "2026-01-01T10:00:00.000Z",
          uncheckedGap: { reason: "HTTP 500 rpc error", since: "2026-01-01T10:00:01.000Z" },
        },
      },
    };
    expect(formatStatus(report, { allocations: false }).split("\n").slice(0, 2)).toEqual([
      "leader: tagroll-7f9c",
      "what changed in Nomad while its event stream was away could not be listed since " +
        "2026-01-01 10:00:01Z (HTTP 500 rpc error); trying again every 30 s (the reconcile sweep finds it too)",
    ]);
  });

  it("history, newest first", async () => {
    await expect(formatHistory(historyReport)).toMatchFileSnapshot(golden("history.txt"));
  });

  it("check: agents, findings, totals", async () => {
    await expect(formatCheck(checkReport)).toMatchFileSnapshot(golden("check.txt"));
  });

  it("says so when there is nothing to show", () => {
    expect(formatHistory({ service: "web", entries: [] })).toBe("no history for web");
    expect(formatStatus({ services: [] }, { allocations: false })).toBe(
      "leader: none — no tagroll instance is coordinating rollouts\n\nno services configured",
    );
    expect(formatCheck({ findings: [] })).toBe("no problems found");
  });

  it("status rows are derived from the report, not fixed text", () => {
    const moved = structuredClone(statusOne);
    moved.services[0]!.allocations[1]!.rendered = "v1";
    const text = formatStatus(moved, { allocations: true });
    expect(text).toContain("2/3 on v2");
    expect(text).toMatch(/web\.app\[2\]\s+node2abc\s+running\s+v1\s+healthy/);
  });
});
