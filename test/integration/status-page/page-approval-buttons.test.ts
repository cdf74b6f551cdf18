import type { AddressInfo } from "node:net";
import express from "express";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import type { StatusReport } from "../../../src/operations/index.js";
import { createApp } from "../../../src/server/create-app.js";
import { createStatusPage, type StatusPage } from "../../../src/status-page/create-status-page.js";
import type { Scope } from "../../../src/tokens/index.js";
import { KEYS } from "../../unit/tokens/token-fixtures.js";
import { launchChromium, recordedContext } from "./browser.js";

/**
 * The approve and reject buttons in real Chromium, drawn from the `waiting` field of a service's
 * status (README, "Status page actions"). The status and the /api/v1 endpoints are stand-ins
 * that record what the page sends: the real approval flow end to end is
 * "approves a pending value from the page" in page-actions.test.ts.
 */
describe("approve and reject buttons from the waiting field", () => {
  const posts: Array<{ path: string; body: unknown; authorization?: string | undefined }> = [];
  const waiting = {
    kind: "pending-approval",
    value: "v3",
    since: 1,
    approvals: [{ by: "api:alice", at: 2 }],
    required: 2,
    expiresAt: Date.UTC(2030, 0, 1),
  };
  const report = {
    services: [
      { service: "web", key: "configs/web/IMAGE_TAG", desired: "v2", allocations: [], waiting },
      {
        service: "api",
        key: "configs/api/IMAGE_TAG",
        desired: "v7",
        allocations: [],
        waiting: {
          kind: "scheduled",
          value: "v8",
          since: 1,
          approvals: [],
          required: 0,
          opensAt: Date.UTC(2030, 0, 1),
        },
      },
    ],
  } as unknown as StatusReport;
  // Tokens the stand-in authorizer knows; "approve" is the scope the approvals work adds.
  const TOKENS: Record<string, string[]> = { approver: ["read", "approve"], reader: ["read"] };
  let page: StatusPage;
  let base = "";
  let server: ReturnType<ReturnType<typeof createApp>["listen"]>;
  let browser: Browser;

  beforeAll(async () => {
    const log = createLogger({ level: "silent" });
    page = createStatusPage({
      operations: { status: async () => report },
      history: { list: async () => [] },
      keys: KEYS,
      logger: log,
      clock: systemClock,
      authorize: async (token) => {
        const scopes = TOKENS[token];
        if (!scopes) throw new Error("unknown token");
        return { subject: token, scopes: scopes as Scope[] };
      },
    });
    const api = express.Router();
    api.post("/services/:name/:verb", express.json(), (req, res) => {
      posts.push({ path: req.path, body: req.body, authorization: req.header("authorization") });
      res.status(202).json({ service: req.params["name"] });
    });
    const app = createApp({
      log,
      bodyLimit: 1024,
      handleHook: async () => ({ status: 404, body: {} }),
      unready: async () => [],
      routers: [
        { path: "/api/v1", router: api },
        { path: "/", router: page.router },
      ],
    });
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    page?.close();
    server?.close();
  });

  it("shows the waiting value, and approve and reject to a token with the approve scope; each asks first", async () => {
    const { context, record } = await recordedContext(browser, { width: 375, height: 812 });
    const tab = await context.newPage();
    await tab.goto(`${base}/#token=approver`);
    const web = '[data-service="web"]';
    await tab.waitForSelector(
      `${web} .waiting[data-waiting-kind="pending-approval"][data-waiting-value="v3"]`,
    );
    expect(await tab.textContent(`${web} .waiting`)).toMatch(
      /^Waiting for approval: v3 — 1 of 2 approvals \(api:alice\); expires /,
    );
    expect(
      await tab.$$eval(`${web} [data-action]`, (bs) => bs.map((b) => b.getAttribute("data-action"))),
    ).toEqual(["approve", "reject"]);
    // A scheduled value is shown, with nothing to approve; this token cannot deploy.
    expect(await tab.textContent('[data-service="api"] .waiting')).toMatch(
      /^Scheduled: v8 starts when the deploy window opens/,
    );
    expect(await tab.$$('[data-service="api"] [data-action]')).toHaveLength(0);

    await tab.click(`${web} [data-action="approve"]`);
    await tab.waitForSelector("#confirm[open]");
    expect(await tab.textContent("#confirm-text")).toBe("Approve v3 for web? (1 of 2 approvals so far)");
    expect(await tab.isHidden("#confirm-reason-row")).toBe(true);
    await tab.click("#confirm-ok");
    await tab.waitForSelector(`${web} .action-status[data-action-state="requested"]`);
    expect(posts).toEqual([
      { path: "/services/web/approve", body: { value: "v3" }, authorization: "Bearer approver" },
    ]);

    await tab.click(`${web} [data-action="reject"]`);
    await tab.waitForSelector("#confirm[open]");
    await tab.fill("#confirm-reason", "not during the sale");
    await tab.click("#confirm-cancel");
    expect(posts).toHaveLength(1);
    await tab.click(`${web} [data-action="reject"]`);
    await tab.waitForSelector("#confirm[open]");
    expect(await tab.inputValue("#confirm-reason")).toBe("");
    await tab.fill("#confirm-reason", "not during the sale");
    await tab.click("#confirm-ok");
    await tab.waitForSelector(`${web} .action-status:has-text("Reject: requested")`);
    expect(posts[1]).toEqual({
      path: "/services/web/reject",
      body: { value: "v3", reason: "not during the sale" },
      authorization: "Bearer approver",
    });
    await tab.screenshot({ path: "test-artifacts/status-page-approval-375.png", fullPage: true });
    expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(record.foreign()).toEqual([]);
    expect(record.errors).toEqual([]);
    await context.close();
  });

  it("shows a read-only token the waiting value but no button", async () => {
    const { context } = await recordedContext(browser);
    const tab = await context.newPage();
    await tab.goto(`${base}/#token=reader`);
    await tab.waitForSelector('[data-service="web"] .waiting');
    expect(await tab.$$("[data-action]")).toHaveLength(0);
    await context.close();
  });
});
