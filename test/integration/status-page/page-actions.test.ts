import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import type { Scope } from "../../../src/tokens/index.js";
import { callAlloc, kvGet, kvPut, runningAllocs, waitFor } from "../../helpers/cluster.js";
import { linesContaining } from "../../helpers/tagroll.js";
import { recordedContext } from "./browser.js";
import { startDemoPage, type DemoPage } from "./demo-page.js";
import type { ServedTagroll } from "./serve-with-status.js";

/**
 * Status page actions in Debian's headless Chromium against the real agents (README, "Status page
 * actions"): rollback, deploy from history and rolling restart, each confirmed in the page's
 * dialog, each followed live to the end of the rollout it starts; a read-only token sees no button.
 */
describe("status page actions in headless Chromium", () => {
  let demo: DemoPage;
  let service: string, key: string, card: string;
  let tagroll: ServedTagroll;
  let browser: Browser;
  const token = (scopes: Scope[]) => demo.token(scopes);
  const recordValue = async () =>
    JSON.parse((await kvGet(rolloutKey(service))) ?? "{}") as {
      id?: string;
      kind?: string;
      status?: string;
      value?: string;
    };

  beforeAll(async () => {
    demo = await startDemoPage("act");
    ({ service, key, card, tagroll, browser } = demo);
    // One real change first, so there is something to roll back to.
    await kvPut(key, "v2");
    await waitFor(
      "the rollout to v2",
      async () => {
        const r = await recordValue();
        return r.value === "v2" && r.status === "succeeded";
      },
      { timeoutMs: 170_000 },
    );
  });

  afterAll(async () => {
    await demo?.close();
  });

  /** Every text the card's action status line showed, in order, however briefly. */
  async function recordActionStatus(page: Page): Promise<void> {
    await page.evaluate((sel) => {
      const seen: string[] = [];
      (window as unknown as { __status: string[] }).__status = seen;
      const scan = () => {
        const text = document.querySelector(`${sel} .action-status`)?.textContent;
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      };
      new MutationObserver(scan).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    }, card);
  }
  const statusSeen = (page: Page) =>
    page.evaluate(() => (window as unknown as { __status: string[] }).__status);

  /** Clicks `button`, checks the dialog asks `question`, confirms, and waits for the rollout to end. */
  async function confirmAndFollow(
    page: Page,
    button: string,
    question: RegExp,
    done: { kind: string; value: string },
  ) {
    const before = (await recordValue()).id;
    await recordActionStatus(page);
    await page.click(button);
    await page.waitForSelector("#confirm[open]");
    expect(await page.textContent("#confirm-text")).toMatch(question);
    await page.click("#confirm-ok");
    await page.waitForSelector(
      `${card}[data-rollout-kind="${done.kind}"][data-rollout-status="running"][data-rollout-value="${done.value}"]`,
      { timeout: 60_000 },
    );
    await page.waitForSelector(
      `${card}[data-rollout-kind="${done.kind}"][data-rollout-status="succeeded"][data-rollout-value="${done.value}"]`,
      { timeout: 170_000 },
    );
    await page.waitForSelector(`${card} .action-status:has-text("rollout succeeded (3 of 3 healthy)")`);
    const record = await recordValue();
    expect(record.id).not.toBe(before);
    expect(record).toMatchObject({ kind: done.kind, status: "succeeded", value: done.value });
    // Live progress: the line went from the request to the running rollout to its end. (What it
    // showed for an earlier action, before this click, is left out.)
    const all = await statusSeen(page);
    const seen = all.slice(all.findIndex((t) => t.endsWith(": sending…")));
    expect(seen[0], all.join(" | ")).toMatch(/: sending…$/);
    expect(seen.some((t) => /rollout running \(\d of 3 healthy\)/.test(t))).toBe(true);
    expect(seen.at(-1)).toMatch(/rollout succeeded \(3 of 3 healthy\)/);
  }

  it("rolls back, deploys a value from history and restarts, each after confirmation, following each rollout live", async () => {
    const deployer = await token(["deploy"]);
    const { context, record } = await recordedContext(browser);
    const page = await context.newPage();
    await page.goto(`${tagroll.runtime.url}/#token=${deployer}`);
    await page.waitForSelector(`${card}[data-desired="v2"] [data-action="rollback"]`);

    // Cancel changes nothing.
    await page.click(`${card} [data-action="rollback"]`);
    await page.waitForSelector("#confirm[open]");
    await page.click("#confirm-cancel");
    await page.waitForSelector("#confirm", { state: "hidden" });
    expect(await kvGet(key)).toBe("v2");
    expect(await page.$(`${card} .action-status`)).toBeNull();

    await confirmAndFollow(
      page,
      `${card} [data-action="rollback"]`,
      /^Roll back .* from v2 to the value before it\?/,
      {
        kind: "deploy",
        value: "v1",
      },
    );
    expect(await kvGet(key)).toBe("v1");

    await page.click(`${card} .history summary`);
    const fromHistory = `${card} .history li[data-history-tag="v2"] [data-action="deploy"]`;
    await page.waitForSelector(fromHistory);
    // Only the newest entry of a tag gets a button, and the desired value none.
    expect(await page.$$(`${card} .history [data-action="deploy"]`)).toHaveLength(1);
    await confirmAndFollow(page, fromHistory, /^Deploy v2 to .* \(now v1\)\?/, {
      kind: "deploy",
      value: "v2",
    });
    expect(await kvGet(key)).toBe("v2");

    await confirmAndFollow(page, `${card} [data-action="restart"]`, /^Restart every allocation of .* on v2/, {
      kind: "restart",
      value: "v2",
    });
    for (const alloc of await runningAllocs(service)) expect((await callAlloc(alloc.ID)).tag).toBe("v2");
    await page.screenshot({ path: "test-artifacts/status-page-actions.png", fullPage: true });

    // On a phone: the buttons wrap, nothing is wider than the screen, the dialog fits.
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.click(`${card} [data-action="restart"]`);
    await page.waitForSelector("#confirm[open]");
    const box = await page.locator("#confirm").boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
    await page.screenshot({ path: "test-artifacts/status-page-actions-375.png" });
    await page.click("#confirm-cancel");

    expect(record.foreign()).toEqual([]);
    expect(record.errors).toEqual([]);
    expect(linesContaining(tagroll.logs(), deployer)).toEqual([]);
    await context.close();
  });

  it("shows a read-only token no buttons at all", async () => {
    const { context, record } = await recordedContext(browser, { width: 375, height: 812 });
    const page = await context.newPage();
    await page.goto(`${tagroll.runtime.url}/#token=${await token(["read"])}`);
    await page.waitForSelector(`${card}[data-desired]`);
    await page.click(`${card} .history summary`);
    await page.waitForSelector(`${card} .history li`);
    expect(await page.$$("[data-action]")).toHaveLength(0);
    expect(await page.$$(`${card} button`)).toHaveLength(0);
    expect(await page.evaluate(() => document.body.dataset.scopes)).toBe("read");
    expect(record.errors).toEqual([]);
    await context.close();
  });
});
