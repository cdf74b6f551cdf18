import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../../src/tokens/index.js";
import { callAlloc, kvPut, runningAllocs } from "../../helpers/cluster.js";
import { linesContaining } from "../../helpers/tagroll.js";
import { sample } from "../../unit/metrics/prom-text.js";
import { recordedContext, recordStates, seenStates } from "./browser.js";
import { startDemoPage, type DemoPage } from "./demo-page.js";
import type { ServedTagroll } from "./serve-with-status.js";

/**
 * Issue 5, item 4: the status page in Debian's headless Chromium against real agents, following
 * a real rollout of the 3-instance demo job from a KV write to every allocation on the new tag.
 */
describe("status page in headless Chromium", () => {
  let demo: DemoPage;
  let service: string, key: string, card: string;
  let tagroll: ServedTagroll;
  let browser: Browser;
  const token = (scopes: Scope[]) => demo.token(scopes);

  beforeAll(async () => {
    demo = await startDemoPage("status");
    ({ service, key, card, tagroll, browser } = demo);
  });

  afterAll(async () => {
    await demo?.close();
  });

  async function allocRows(page: Page) {
    return page.$$eval(`${card} [data-alloc-id]`, (rows) =>
      rows.map((row) => ({
        id: row.getAttribute("data-alloc-id"),
        step: row.getAttribute("data-step"),
        running: row.getAttribute("data-running"),
        rendered: row.getAttribute("data-rendered"),
      })),
    );
  }

  it("follows a rollout live from the KV write to every allocation on the new tag", async () => {
    const read = await token(["read"]);
    const { context, record } = await recordedContext(browser);
    const page = await context.newPage();
    await page.goto(`${tagroll.runtime.url}/#token=${read}`);

    await page.waitForSelector(`${card}[data-desired="v1"]`);
    await page.waitForFunction(
      (sel) => document.querySelectorAll(`${sel} [data-alloc-id][data-running="v1"]`).length === 3,
      card,
    );
    expect(page.url()).not.toContain("token");
    expect(await page.evaluate(() => document.body.dataset.connection)).toBe("live");
    const nomadIds = (await runningAllocs(service)).map((a) => a.ID).sort();
    expect((await allocRows(page)).map((r) => r.id).sort()).toEqual(nomadIds);

    await recordStates(page, service);
    await kvPut(key, "v2");
    await page.waitForSelector(`${card}[data-rollout-status="running"][data-rollout-value="v2"]`, {
      timeout: 60_000,
    });
    await page.waitForSelector(`${card}[data-desired="v2"]`);
    await page.waitForSelector(`${card} [data-alloc-id][data-step="health"]`, { timeout: 60_000 });
    await page.screenshot({ path: "test-artifacts/status-page-rollout.png", fullPage: true });

    await page.waitForSelector(`${card}[data-rollout-status="succeeded"][data-rollout-value="v2"]`, {
      timeout: 170_000,
    });
    await page.waitForFunction(
      (sel) => {
        const rows = [...document.querySelectorAll<HTMLElement>(`${sel} [data-alloc-id]`)];
        return (
          rows.length === 3 &&
          rows.every(
            (r) => r.dataset.running === "v2" && r.dataset.rendered === "v2" && r.dataset.step === "healthy",
          )
        );
      },
      card,
      { timeout: 30_000 },
    );
    await page.waitForSelector(`${card} [data-history-kind="rollout"]`, { state: "attached" });

    // What the page says each allocation runs is what each one really serves.
    for (const row of await allocRows(page))
      expect((await callAlloc(row.id as string)).tag).toBe(row.running);
    const seen = await seenStates(page);
    expect(seen.rollout).toEqual(["adopted:succeeded", "deploy:running", "deploy:succeeded"]);
    expect(seen.steps).toEqual(expect.arrayContaining(["pending", "health", "healthy"]));
    expect(seen.steps.indexOf("pending")).toBeLessThan(seen.steps.indexOf("healthy"));

    await page.click(`${card} .history summary`);
    await page.screenshot({ path: "test-artifacts/status-page.png", fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: "test-artifacts/status-page-375.png", fullPage: true });
    // Readable on a phone: nothing wider than the screen, so no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    expect(record.foreign()).toEqual([]);
    expect(record.errors).toEqual([]);
    expect(linesContaining(tagroll.logs(), read)).toEqual([]);
    await context.close();

    const metrics = await (await fetch(`${tagroll.runtime.url}/metrics`)).text();
    expect(sample(metrics, "tagroll_rollouts_total", { service, outcome: "succeeded" })).toBe(1);
    expect(sample(metrics, "tagroll_restarts_total", { service })).toBe(3);
    expect(
      sample(metrics, "tagroll_alloc_rollout_duration_seconds_count", { service, outcome: "healthy" }),
    ).toBe(3);
    expect(sample(metrics, "tagroll_leader")).toBe(1);
    expect(metrics).not.toContain(read);
  });

  it("asks for a token when it has none or a refused one, and accepts a pasted token with read", async () => {
    const { context, record } = await recordedContext(browser, { width: 375, height: 812 });
    const page = await context.newPage();
    await page.goto(`${tagroll.runtime.url}/`);
    await page.waitForSelector("#auth:not([hidden])");
    expect(await page.textContent("#auth h2")).toBe("Paste a token with read scope");
    expect(await page.$$(`[data-service]`)).toHaveLength(0);

    await page.fill("#token", "not-a-token");
    await page.click("#auth-form button[type=submit]");
    await page.waitForSelector("#auth-reason:has-text('refused')");
    await page.screenshot({ path: "test-artifacts/status-page-token-form.png", fullPage: true });

    // Scopes nest (admin ⊃ deploy ⊃ read), as in the API: a deploy token may read the page.
    await page.fill("#token", await token(["deploy"]));
    await page.click("#auth-form button[type=submit]");
    await page.waitForSelector(`${card}[data-desired]`);
    expect(await page.isHidden("#auth")).toBe(true);
    expect(record.foreign()).toEqual([]);
    // The 401/403 answers are logged by Chromium as failed resources; nothing else may be.
    expect(record.errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
    await context.close();
  });
});
