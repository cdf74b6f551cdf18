import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";

/**
 * The page's action model (src/status-page/browser/actions.js), run as the browser runs it: the
 * plain script evaluated in a fresh context, its functions read back. No DOM is involved.
 */
interface Action {
  id: string;
  label: string;
  confirm: string;
  path: string;
  body?: Record<string, string>;
  reason?: boolean;
}
interface Model {
  serviceActions(s: unknown, scopes: string[]): Action[];
  historyDeploy(s: unknown, index: number, scopes: string[]): Action | null;
  waitingText(w: unknown): string;
}
const source = readFileSync(new URL("../../../src/status-page/browser/actions.js", import.meta.url), "utf8");
const model = runInNewContext(`${source}\n({ serviceActions, historyDeploy, waitingText })`, {}) as Model;

const pending = {
  kind: "pending-approval",
  value: "v3",
  since: 1,
  approvals: [{ by: "alice", at: 2 }],
  required: 2,
  expiresAt: Date.UTC(2026, 10, 26),
};
const service = (waiting: unknown = null) => ({
  service: "web app",
  key: "configs/web/IMAGE_TAG",
  desired: "v2",
  allocations: [],
  waiting,
  history: [
    { at: "t4", kind: "rollout", tag: "v2", outcome: "succeeded" },
    { at: "t3", kind: "push", tag: "v2" },
    { at: "t2", kind: "rollout", tag: "v1", outcome: "succeeded" },
    { at: "t1", kind: "push", tag: "v1" },
  ],
});
const ids = (actions: Action[]) => actions.map((a) => a.id);

describe("status page actions from the waiting field and the token's scopes", () => {
  it("offers approve and reject for a pending approval to a token with the approve scope", () => {
    const actions = model.serviceActions(service(pending), ["read", "approve"]);
    expect(ids(actions)).toEqual(["approve", "reject"]);
    expect(actions[0]).toMatchObject({
      path: "api/v1/services/web%20app/approve",
      body: { value: "v3" },
      label: "Approve v3",
    });
    expect(actions[0]?.confirm).toContain("1 of 2 approvals");
    expect(actions[1]).toMatchObject({
      path: "api/v1/services/web%20app/reject",
      body: { value: "v3" },
      reason: true,
    });
  });

  it("offers no approval buttons without the scope, for a scheduled value, or with nothing waiting", () => {
    expect(ids(model.serviceActions(service(pending), ["read", "deploy"]))).toEqual(["rollback", "restart"]);
    const scheduled = { kind: "scheduled", value: "v3", since: 1, approvals: [], required: 0, opensAt: 5 };
    expect(ids(model.serviceActions(service(scheduled), ["read", "approve"]))).toEqual([]);
    expect(ids(model.serviceActions(service(), ["read", "approve"]))).toEqual([]);
  });

  it("gives a read-only token nothing at all", () => {
    const s = service(pending);
    expect(model.serviceActions(s, ["read"])).toEqual([]);
    expect(s.history.map((_e, i) => model.historyDeploy(s, i, ["read"]))).toEqual([null, null, null, null]);
  });

  it("offers deploy for the newest history entry of each tag other than the desired one", () => {
    const s = service();
    const deploys = s.history.map((_e, i) => model.historyDeploy(s, i, ["read", "deploy"]));
    expect(deploys.map((d) => d?.body?.["tag"] ?? null)).toEqual([null, null, "v1", null]);
    expect(deploys[2]).toMatchObject({ path: "api/v1/services/web%20app/deploy" });
    expect(deploys[2]?.confirm).toContain("Deploy v1 to web app (now v2)?");
  });

  it("describes a waiting value", () => {
    expect(model.waitingText(pending)).toMatch(
      /^Waiting for approval: v3 — 1 of 2 approvals \(alice\); expires /,
    );
    expect(model.waitingText({ kind: "scheduled", value: "v4", approvals: [], required: 0 })).toBe(
      "Scheduled: v4 waits for the next deploy window",
    );
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(model.waitingText({ ...pending, digest })).toMatch(
      /^Waiting for approval: v3@sha256:abababababab… — 1 of 2 approvals/,
    );
  });
});
