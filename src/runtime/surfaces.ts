import type { Router } from "express";
import type { TagrollConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { Operations } from "../coordinator/operations.js";
import type { RolloutObserver } from "../coordinator/rollout-observer.js";
import type { IngressObserver } from "../ingress/push-receiver.js";
import type { KvStore } from "../kv/kv-store.js";
import { createMetrics } from "../metrics/create-metrics.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import { createStatusPage } from "../status-page/create-status-page.js";
import type { HistoryStore } from "../state/history-store.js";

export interface Surfaces {
  operations: Operations;
  routers: Array<{ path: string; router: Router }>;
  observers: RolloutObserver[];
  ingressObserver: IngressObserver;
  close(): void;
}

/** What operators look at: the live status page and Prometheus metrics, fed by the coordinator. */
export function buildSurfaces(deps: {
  config: TagrollConfig;
  kv: KvStore;
  nomad: NomadApi;
  history: HistoryStore;
  log: Logger;
  clock: Clock;
}): Surfaces {
  const { config, kv, nomad, history, log, clock } = deps;
  const operations = new Operations({
    config,
    kv,
    nomad,
    logger: log.child({ component: "operations" }),
    clock,
  });
  const metrics = createMetrics();
  const statusPage = createStatusPage({
    operations,
    history,
    keys: config.keys,
    logger: log.child({ component: "status-page" }),
    clock,
  });
  return {
    operations,
    routers: [
      { path: "/", router: metrics.router },
      { path: "/", router: statusPage.router },
    ],
    observers: [statusPage.observer, metrics.rolloutObserver],
    ingressObserver: metrics.ingressObserver,
    close: () => statusPage.close(),
  };
}
