import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { kvGet, kvPut } from "../../helpers/cluster.js";
import { recordedContext } from "./browser.js";
import { startDemoPage, type DemoPage } from "./demo-page.js";

/**
 * The whole approval path through the page, on the real agents: a service with
 * `approvals: { required: 1 }`, a token with the `approve` scope, the `waiting` field reaching the
 * page through the gate's event, and POST /api/v1/services/:name/approve from the button.
 */
describe("approves a pending value from the page", () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemoPage("appr", "    approvals:\n      required: 1\n");
  });

  afterAll(async () => {
    await demo?.close();
  });

  it("approves a pending value from the page and sees the rollout move", async () => {
    const { card, key, service } = demo;
    const approver = await demo.token(["read", "approve"]);
    const { context, record } = await recordedContext(demo.browser);
    const page = await context.newPage();
    await page.goto(`${demo.tagroll.runtime.url}/#token=${approver}`);
    await page.waitForSelector(`${card}[data-desired="v1"]`);

    await kvPut(key, "v2");
    await page.waitForSelector(
      `${card} .waiting[data-waiting-kind="pending-approval"][data-waiting-value="v2"]`,
      {
        timeout: 60_000,
      },
    );
    // Nothing rolls out while it waits.
    const before = JSON.parse((await kvGet(rolloutKey(service))) ?? "{}") as { value?: string };
    expect(before.value).toBe("v1");

    await page.click(`${card} [data-action="approve"]`);
    await page.waitForSelector("#confirm[open]");
    expect(await page.textContent("#confirm-text")).toMatch(/^Approve v2 for /);
    await page.click("#confirm-ok");
    await page.waitForSelector(`${card}[data-rollout-status="running"][data-rollout-value="v2"]`, {
      timeout: 60_000,
    });
    await page.waitForSelector(`${card}[data-rollout-status="succeeded"][data-rollout-value="v2"]`, {
      timeout: 170_000,
    });
    await page.waitForSelector(`${card} .action-status:has-text("rollout succeeded (3 of 3 healthy)")`);
    expect(await page.$(`${card} .waiting`)).toBeNull();
    expect(record.errors).toEqual([]);
    await context.close();
  });
});
