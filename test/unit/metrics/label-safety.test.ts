import { describe, expect, it } from "vitest";
import { notify } from "../../../src/coordinator/index.js";
import { createLogger } from "../../../src/core/logger.js";
import { createMetrics } from "../../../src/metrics/create-metrics.js";
import { safeLabel } from "../../../src/metrics/safe-label.js";
import { createAdminToken, createWebhookToken } from "../../../src/tokens/index.js";
import { fixedClock, KEYS } from "../tokens/token-fixtures.js";
import { labelValues } from "./prom-text.js";

const JWS = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

describe("metric labels", () => {
  it("keeps plain identifiers and replaces anything else", () => {
    for (const ok of ["web", "api-gateway", "dockerhub", "rejected_by_policy", "team.svc:blue"]) {
      expect(safeLabel(ok)).toBe(ok);
    }
    for (const bad of [
      "",
      "a\nb",
      "x".repeat(80),
      "has space",
      'quo"te',
      "../etc",
      "eyJhbGciOi.eyJzdWIiOi.c2ln",
    ]) {
      expect(safeLabel(bad)).toBe("other");
    }
  });

  it("never exposes a token, even when one is passed where a name belongs", async () => {
    const clock = fixedClock();
    const hook = (await createWebhookToken(KEYS, "k1", "web", clock)).token;
    const api = (
      await createAdminToken(KEYS, "k1", { subject: "ops", scopes: ["read"], expiresIn: 60 }, clock)
    ).token;
    const metrics = createMetrics();
    const log = createLogger({ level: "silent" });
    // Real-looking traffic first, then the mistakes a future caller could make.
    metrics.ingressObserver.onWebhook({
      service: "web",
      source: "dockerhub",
      outcome: "accepted",
      kvWriteMs: 3,
    });
    metrics.ingressObserver.onWebhook({ service: hook, source: api, outcome: "accepted" });
    const at = clock.now();
    notify(
      [metrics.rolloutObserver],
      {
        type: "rollout-finished",
        service: hook,
        rolloutId: api,
        at,
        status: "succeeded",
        value: hook,
        durationMs: 1,
      },
      log,
    );
    notify(
      [metrics.rolloutObserver],
      { type: "rollout-reverting", service: api, rolloutId: "r", at, from: hook, to: api, reason: hook },
      log,
    );

    const text = await metrics.registry.metrics();
    expect(text).not.toContain(hook);
    expect(text).not.toContain(api);
    for (const part of [...hook.split("."), ...api.split(".")]) expect(text).not.toContain(part);
    const values = labelValues(text);
    expect(values).toContain("dockerhub");
    expect(values).toContain("other");
    expect(values.filter((v) => JWS.test(v))).toEqual([]);
  });
});
