import type { Browser, BrowserContext, Page } from "playwright-core";

// Launching lives in a DOM-free helper so tests outside this folder (type-checked without the DOM
// lib) can start Chromium too.
export { launchChromium } from "../../helpers/chromium.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** What a browser context did that the test wants to check afterwards. */
export interface ContextRecord {
  /** Every request URL that left the page (data: URLs included). */
  requests: string[];
  /** Console errors and page errors, CSP violations among them. */
  errors: string[];
  /** Requests whose host is not loopback (expected: none). */
  foreign(): string[];
}

export async function recordedContext(
  browser: Browser,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; record: ContextRecord }> {
  const context = await browser.newContext({ viewport });
  const record: ContextRecord = {
    requests: [],
    errors: [],
    foreign: () =>
      record.requests.filter((url) => {
        const parsed = new URL(url);
        return parsed.protocol !== "data:" && !LOOPBACK.has(parsed.hostname);
      }),
  };
  context.on("request", (request) => record.requests.push(request.url()));
  context.on("page", (page) => watchErrors(page, record));
  return { context, record };
}

function watchErrors(page: Page, record: ContextRecord): void {
  page.on("console", (message) => {
    if (message.type() === "error") record.errors.push(message.text());
  });
  page.on("pageerror", (error) => record.errors.push(String(error)));
}

/**
 * Records, inside the page, every change of rollout kind:status and every allocation step the DOM shows for
 * `service`, in order of first appearance — so a state the page only shows for a moment is
 * still seen, however the test's own polling happens to be timed.
 */
export async function recordStates(page: Page, service: string): Promise<void> {
  await page.evaluate((name) => {
    const seen = { rollout: [] as string[], steps: [] as string[] };
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    const note = (list: string[], value: string | null) => {
      if (value && !list.includes(value)) list.push(value);
    };
    const scan = () => {
      const card = document.querySelector(`[data-service="${CSS.escape(name)}"]`);
      if (!card) return;
      // The rollout as kind:status, each change in order (adopted:succeeded, deploy:running, ...).
      const rollout = `${card.getAttribute("data-rollout-kind")}:${card.getAttribute("data-rollout-status")}`;
      if (seen.rollout[seen.rollout.length - 1] !== rollout) seen.rollout.push(rollout);
      card
        .querySelectorAll("[data-alloc-id]")
        .forEach((el) => note(seen.steps, el.getAttribute("data-step")));
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
    scan();
  }, service);
}

export function seenStates(page: Page): Promise<{ rollout: string[]; steps: string[] }> {
  return page.evaluate(
    () => (window as unknown as { __seen: { rollout: string[]; steps: string[] } }).__seen,
  );
}
