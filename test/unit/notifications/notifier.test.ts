import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { NotificationTargetConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import {
  defineNotificationMetrics,
  NOTIFICATION_KINDS,
  Notifier,
  type NotificationEvent,
} from "../../../src/notifications/index.js";
import { sample } from "../metrics/prom-text.js";

const silent = createLogger({ level: "silent" });
const event: NotificationEvent = {
  kind: "approval-needed",
  service: "web",
  value: "v2",
  required: 1,
  approvals: 0,
  at: 0,
};

/** A fetch that answers from a script of statuses (or hangs on "hang") and records each call. */
function scriptedFetch(script: Array<number | "hang">) {
  const calls: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const impl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(url),
      headers: init?.headers as Record<string, string>,
      body: String(init?.body),
    });
    const step = script[Math.min(calls.length - 1, script.length - 1)] ?? 200;
    if (step === "hang") {
      return new Promise<Response>((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
      );
    }
    return new Response("", { status: step });
  }) as typeof fetch;
  return { impl, calls };
}

function target(name: string, extra: Partial<NotificationTargetConfig> = {}): NotificationTargetConfig {
  return {
    name,
    kind: "webhook",
    url: `http://127.0.0.1:9/${name}`,
    secret: "k",
    events: [...NOTIFICATION_KINDS],
    ...extra,
  };
}

let notifier: Notifier | undefined;
afterEach(async () => {
  await notifier?.close();
  notifier = undefined;
});

function start(targets: NotificationTargetConfig[], script: Array<number | "hang">, extra = {}) {
  const registry = new Registry();
  const fetch = scriptedFetch(script);
  notifier = new Notifier({
    config: { targets, attempts: 3, timeoutMs: 200, backoffMs: 5, maxBackoffMs: 20, queueSize: 2, ...extra },
    clock: systemClock,
    logger: silent,
    metrics: defineNotificationMetrics(registry),
    fetch: fetch.impl,
  });
  notifier.observer.onLeadershipChanged?.({ type: "leadership", leader: true, at: 0 });
  const metric = async (name: string, labels: Record<string, string>) =>
    sample(await registry.metrics(), name, labels);
  return { n: notifier, calls: fetch.calls, metric };
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not met in 4 s");
}

describe("Notifier", () => {
  it("retries a 500 with the same delivery id, a fresh timestamp, and counts the delivery", async () => {
    const { n, calls, metric } = start([target("ops")], [500, 503, 200]);
    n.notify(event);
    await until(
      async () =>
        (await metric("tagroll_notifications_total", {
          target: "ops",
          event: "approval-needed",
          outcome: "delivered",
        })) === 1,
    );
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers["x-tagroll-delivery"])).size).toBe(1);
    expect(calls.map((c) => JSON.parse(c.body).attempt)).toEqual([1, 2, 3]);
    expect(await metric("tagroll_notification_attempts_total", { target: "ops", result: "5xx" })).toBe(2);
  });

  it("gives up after the configured attempts, and does not retry a 4xx", async () => {
    const { n, calls, metric } = start([target("down")], [500]);
    n.notify(event);
    await until(
      async () =>
        (await metric("tagroll_notifications_total", {
          target: "down",
          event: "approval-needed",
          outcome: "failed",
        })) === 1,
    );
    expect(calls).toHaveLength(3);
    const other = start([target("gone")], [404]);
    other.n.notify(event);
    await until(
      async () =>
        (await other.metric("tagroll_notifications_total", {
          target: "gone",
          event: "approval-needed",
          outcome: "failed",
        })) === 1,
    );
    expect(other.calls).toHaveLength(1);
  });

  it("returns at once while a receiver hangs, bounds the queue and cuts each attempt off at the timeout", async () => {
    const { n, calls, metric } = start([target("hang")], ["hang"], { attempts: 1 });
    const began = performance.now();
    for (let i = 0; i < 5; i++) n.notify({ ...event, value: `v${i}` });
    expect(performance.now() - began).toBeLessThan(50);
    // The queue holds two (the one in flight counts); the other three are dropped and counted.
    expect(
      await metric("tagroll_notifications_total", {
        target: "hang",
        event: "approval-needed",
        outcome: "dropped",
      }),
    ).toBe(3);
    await until(
      async () =>
        (await metric("tagroll_notification_attempts_total", { target: "hang", result: "timeout" })) === 2,
    );
    expect(calls.map((c) => JSON.parse(c.body).value)).toEqual(["v0", "v1"]);
  });

  it("sends only what a target subscribed to, for its services, and nothing while not leading", async () => {
    const { n, calls } = start(
      [
        target("failures", { events: ["rollout-failed"] }),
        target("api-only", { services: ["api"] }),
        target("all"),
      ],
      [200],
    );
    n.notify(event);
    await until(() => calls.length === 1);
    expect(calls[0]?.url).toMatch(/\/all$/);
    n.observer.onLeadershipChanged?.({ type: "leadership", leader: false, at: 0 });
    n.notify(event);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(1);
  });
});
