import { Router } from "express";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { RolloutObserver } from "../coordinator/index.js";
import type { IngressObserver } from "../ingress/push-receiver.js";
import { metricsRolloutObserver } from "./metrics-rollout-observer.js";
import { nomadEventsObserver } from "./nomad-events-metrics.js";
import { safeLabel } from "./safe-label.js";
import { defineMetrics, type TagrollMetrics } from "./tagroll-metrics.js";

export interface Metrics {
  /** This runtime's own registry (never prom-client's global one). */
  registry: Registry;
  series: TagrollMetrics;
  /** Pass in `startRuntime({ observers })`. */
  rolloutObserver: RolloutObserver;
  /** Pass as `startRuntime({ ingressObserver })`. */
  ingressObserver: IngressObserver;
  /** Serves `GET /metrics`; mount at `/`. */
  router: Router;
}

/** How often the default metrics' event-loop lag histogram takes a sample. */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * Prometheus metrics for one tagroll runtime (README, "Admin API, status page, metrics"). One call, one registry: two
 * runtimes in one process (tests, `tagroll dev`) never share or double-register series.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // The event-loop lag histogram samples every 100 ms, not prom-client's 10 ms: a timer a hundred
  // times a second cost an idle tagroll about 1 % of a core on its own (BENCHMARKS.md, "Scale").
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
  const series = defineMetrics(registry);

  const ingressObserver: IngressObserver = {
    onWebhook({ source, outcome, kvWriteMs }) {
      series.webhooks.inc({ source: safeLabel(source), outcome: safeLabel(outcome) });
      if (kvWriteMs !== undefined) series.kvWriteSeconds.observe(kvWriteMs / 1000);
    },
  };

  return {
    registry,
    series,
    // The Nomad event stream's series live in their own file (issue 14).
    rolloutObserver: { ...metricsRolloutObserver(series), ...nomadEventsObserver(registry) },
    ingressObserver,
    router: metricsRouter(registry),
  };
}

/**
 * `GET /metrics`, unauthenticated as Prometheus scrapers expect (they rarely carry bearer tokens).
 * That is safe because no label holds a secret (see safeLabel); an operator who does not want
 * service names visible restricts the path at the proxy or the network.
 */
function metricsRouter(registry: Registry): Router {
  const router = Router();
  router.get("/metrics", async (_req, res) => {
    const body = await registry.metrics();
    res.setHeader("Content-Type", registry.contentType);
    res.setHeader("Cache-Control", "no-store");
    res.send(body);
  });
  return router;
}
