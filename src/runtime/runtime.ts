import type { Server } from "node:http";
import type { Router } from "express";
import type { TagrollConfig } from "../config/types.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { Coordinator } from "../coordinator/index.js";
import type { RolloutObserver } from "../coordinator/index.js";
import { IngestState } from "../ingress/ingest-state.js";
import { PushReceiver, type IngressObserver } from "../ingress/push-receiver.js";
import { PushWriter, type PushWriteDeps } from "../ingress/push-write.js";
import { ConsulKvStore, ConsulServiceHealth } from "../kv/consul-kv-store.js";
import { HttpNomadApi } from "../nomad/http-nomad-api.js";
import { jobsChangedSince, openNomadEvents } from "../nomad/event-stream.js";
import type { NomadDeployApi } from "../nomad/deploy-api.js";
import { HttpNomadDeployApi } from "../nomad/http-deploy-api.js";
import { defineNotificationMetrics, Notifier } from "../notifications/index.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import { createApp } from "../server/create-app.js";
import { leanHooks } from "../server/lean-hooks.js";
import { VerifiedTokens } from "../tokens/verified-tokens.js";
import { DeliveryStore } from "../state/delivery-store.js";
import { ExternalEdits } from "../state/external-edits.js";
import { ensureFolderMarkers } from "../state/folder-markers.js";
import { HistoryStore } from "../state/history-store.js";
import { RevocationStore, verifyWebhookToken } from "../tokens/index.js";
import { closeServer, listen } from "./listen.js";
import { buildSurfaces } from "./surfaces.js";
import { buildSupplyChain, type SupplyChainParts } from "./supply-chain-parts.js";

export interface RuntimeOptions {
  config: TagrollConfig;
  log: Logger;
  clock?: Clock;
  observers?: RolloutObserver[];
  ingressObserver?: IngressObserver;
  /** issue 14 (ingest): told the size of every webhook transaction (the ingest benchmark counts them). */
  onIngestBatch?: PushWriteDeps["onBatch"];
  routers?: (parts: RuntimeParts) => Array<{ path: string; router: Router }>;
  /** Serve the built-in status page and /metrics (default true; tests mounting their own turn it off). */
  surfaces?: boolean;
  /**
   * Wraps the Nomad client the coordinator drives (the benchmarks time each restart request
   * through it). The runtime still builds, exposes and closes the real client.
   */
  wrapNomad?: (nomad: NomadApi) => NomadApi;
  /** Wraps the client of the redeploy strategy likewise (tests interleave a `nomad job run`). */
  wrapDeployApi?: (api: NomadDeployApi) => NomadDeployApi;
}

/** The real collaborators, built in one place — nothing else constructs them — and shared by every surface. */
export interface RuntimeParts {
  config: TagrollConfig;
  kv: ConsulKvStore;
  health: ConsulServiceHealth;
  nomad: HttpNomadApi;
  history: HistoryStore;
  deliveries: DeliveryStore;
  revocations: RevocationStore;
  coordinator: Coordinator | undefined;
  /** Sends notifications (README, "Notifications"); `notify` is for code that makes a value wait. */
  notifier: Notifier;
}

export interface Runtime extends RuntimeParts {
  /** issue 12: registry clients, gate, poller and pruner; undefined when no service uses them. */
  supplyChain: SupplyChainParts | undefined;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** `tagroll serve`: the webhook ingress on HTTP(S) plus, unless disabled, the coordinator. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, log } = options;
  const clock = options.clock ?? systemClock;
  // At debug level every Consul and Nomad request gets a line.
  const consulLog = { logger: log.child({ component: "consul" }) };
  const kv = new ConsulKvStore(config.consul, consulLog);
  const health = new ConsulServiceHealth(config.consul, consulLog);
  const nomad = new HttpNomadApi(config.nomad, { logger: log.child({ component: "nomad" }) });
  const history = new HistoryStore(kv, { limit: config.historyLimit, clock });
  const deliveries = new DeliveryStore(kv, { clock });
  const revocations = new RevocationStore(kv);
  const surfaces =
    options.surfaces === false
      ? undefined
      : buildSurfaces({ config, kv, nomad, history, revocations, log, clock });
  const notifier = new Notifier({
    config: config.notifications ?? NO_NOTIFICATIONS,
    clock,
    logger: log,
    ...(surfaces && { metrics: defineNotificationMetrics(surfaces.registry) }),
  });
  // issue 12: registry clients, the digest/signature gate and the pollers
  const supplyChain = buildSupplyChain({
    config,
    kv,
    history,
    clock,
    log,
    // Read when a poll is due: the coordinator is built below.
    isLeader: config.coordinator.enabled ? () => coordinator?.isLeader() ?? false : undefined,
    ...(surfaces && { observer: surfaces.supplyChainObserver }),
  });
  const observers = [
    ...(surfaces?.observers ?? []),
    notifier.observer,
    new ExternalEdits({ services: config.services, kv, history, log: log.child({ component: "history" }) }),
    ...(options.observers ?? []),
    ...(supplyChain?.rolloutObservers ?? []),
  ];
  const ingressObservers = [surfaces?.ingressObserver, options.ingressObserver].filter(
    (o) => o !== undefined,
  );
  const coordinator = config.coordinator.enabled
    ? new Coordinator({
        config,
        kv,
        health,
        nomad: options.wrapNomad ? options.wrapNomad(nomad) : nomad,
        deployApi: (options.wrapDeployApi ?? ((api) => api))(new HttpNomadDeployApi(nomad.http)),
        logger: log.child({ component: "coordinator" }),
        clock,
        deliveries,
        observers,
        // Promotion to another Consul/Nomad pair (README, "Promotion to another cluster").
        openRemoteKv: (consul) => new ConsulKvStore(consul, consulLog),
        // Nomad's event stream drives prompt reconcile checks (README, "Running at scale").
        nomadEvents: {
          open: (index, signal) => openNomadEvents(nomad.http, index, signal),
          changedSince: (index) => jobsChangedSince(nomad.http, index),
        },
        // issue 12: a tag written without its digest gets one before its rollout.
        ...(supplyChain && { pinDigest: supplyChain.pinDigest }),
      })
    : undefined;
  const parts: RuntimeParts = {
    config,
    kv,
    health,
    nomad,
    history,
    deliveries,
    revocations,
    coordinator,
    notifier,
  };

  const ingressLog = log.child({ component: "ingress" });
  // Revocations and desired values in memory, so a webhook makes one Consul round trip.
  const ingest = new IngestState({ kv, services: config.services, clock, logger: ingressLog });
  const verifiedTokens = new VerifiedTokens(clock);
  const writer = new PushWriter({
    kv,
    state: ingest,
    history,
    deliveries,
    clock,
    log: ingressLog,
    ...(options.onIngestBatch && { onBatch: options.onIngestBatch }),
  });
  const receiver = new PushReceiver({
    services: config.services,
    verifyToken: (token) =>
      verifyWebhookToken(
        token,
        config.keys,
        async (jti) => ingest.isRevoked(jti) ?? revocations.isRevoked(jti),
        verifiedTokens,
      ),
    writer,
    clock,
    log: ingressLog,
    observer: { onWebhook: (event) => ingressObservers.forEach((o) => o.onWebhook(event)) },
    ...(supplyChain && { gate: supplyChain.gate }),
  });
  const app = createApp({
    log,
    bodyLimit: config.server.bodyLimit,
    handleHook: (req) => receiver.handle(req),
    unready: async () => {
      const [consulUp, nomadUp] = await Promise.all([
        health.ping().catch(() => false),
        nomad.ping().catch(() => false),
      ]);
      return [...(consulUp ? [] : ["consul"]), ...(nomadUp ? [] : ["nomad"])];
    },
    routers: [...(surfaces?.routers ?? []), ...(options.routers?.(parts) ?? [])],
  });
  // issue 14 (ingest): webhooks are served before express (src/server/lean-hooks.ts).
  const hooks = leanHooks({
    log,
    bodyLimit: config.server.bodyLimit,
    handleHook: (req) => receiver.handle(req),
    fallback: app,
  });
  const { server, url } = await listen(config.server, hooks);
  // Keeps the blocking queries on tagroll's mostly empty folders quiet (src/state/folder-markers.ts).
  const markers = new AbortController();
  void ensureFolderMarkers({ kv, clock, log, signal: markers.signal });
  ingest.start();
  coordinator?.start();
  supplyChain?.start();
  log.info({ url, coordinator: Boolean(coordinator), services: config.services.length }, "tagroll serving");

  return {
    ...parts,
    supplyChain,
    server,
    url,
    close: async () => {
      // Open event streams would keep server.close() waiting forever.
      surfaces?.close();
      await closeServer(server);
      // Not awaited: a marker write to an unreachable Consul must not hold up the shutdown.
      markers.abort();
      await supplyChain?.stop();
      await coordinator?.stop();
      await ingest.stop();
      await notifier.close();
      kv.close();
      health.close();
      await nomad.close();
    },
  };
}

const NO_NOTIFICATIONS = {
  targets: [],
  attempts: 1,
  timeoutMs: 10_000,
  backoffMs: 1_000,
  maxBackoffMs: 1_000,
  queueSize: 1,
};
