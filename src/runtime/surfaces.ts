import type { Router } from "express";
import type { Registry } from "prom-client";
import { BearerAuth } from "../api/bearer-auth.js";
import { createApiRouter } from "../api/create-api-router.js";
import { effectiveScopes } from "../api/scopes.js";
import type { TagrollConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { Operations } from "../operations/index.js";
import type { RolloutObserver } from "../coordinator/index.js";
import type { IngressObserver } from "../ingress/push-receiver.js";
import type { KvStore } from "../kv/kv-store.js";
import { createMetrics } from "../metrics/create-metrics.js";
import { supplyChainMetrics } from "../metrics/supply-chain-metrics.js";
import type { SupplyChainObserver } from "../supply-chain/supply-chain-observer.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import type { HistoryStore } from "../state/history-store.js";
import { createStatusPage } from "../status-page/create-status-page.js";
import { TokenRegistry, type RevocationStore } from "../tokens/index.js";

export interface Surfaces {
  operations: Operations;
  routers: Array<{ path: string; router: Router }>;
  observers: RolloutObserver[];
  ingressObserver: IngressObserver;
  /** The /metrics registry, for series defined outside metrics/ (notifications). */
  registry: Registry;
  /** issue 12: supply-chain series on the same registry. */
  supplyChainObserver: SupplyChainObserver;
  close(): void;
}

/**
 * What operators use besides webhooks: the admin API (`/api/v1`), the live status page and
 * Prometheus metrics. One bearer verifier serves the API and the page, so scopes nest and
 * revoked API tokens stop working in both.
 */
export function buildSurfaces(deps: {
  config: TagrollConfig;
  kv: KvStore;
  nomad: NomadApi;
  history: HistoryStore;
  revocations: RevocationStore;
  log: Logger;
  clock: Clock;
}): Surfaces {
  const { config, kv, nomad, history, revocations, log, clock } = deps;
  const operations = new Operations({
    config,
    kv,
    nomad,
    logger: log.child({ component: "operations" }),
    clock,
  });
  const bearer = new BearerAuth({ keys: config.keys, clock, isRevoked: (jti) => revocations.isRevoked(jti) });
  const metrics = createMetrics();
  const statusPage = createStatusPage({
    operations,
    history,
    keys: config.keys,
    logger: log.child({ component: "status-page" }),
    clock,
    authorize: async (token) => {
      const principal = await bearer.authenticate(`Bearer ${token}`);
      return { subject: principal.subject, scopes: effectiveScopes(principal.scopes) };
    },
  });
  const api = createApiRouter({
    operations,
    config,
    kv,
    history,
    registry: new TokenRegistry(kv),
    revocations,
    clock,
    logger: log.child({ component: "api" }),
  });
  return {
    operations,
    routers: [
      { path: "/api/v1", router: api },
      { path: "/", router: metrics.router },
      { path: "/", router: statusPage.router },
    ],
    observers: [statusPage.observer, metrics.rolloutObserver],
    ingressObserver: metrics.ingressObserver,
    registry: metrics.registry,
    supplyChainObserver: supplyChainMetrics(metrics.registry),
    close: () => statusPage.close(),
  };
}
