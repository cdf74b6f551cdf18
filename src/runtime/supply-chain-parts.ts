import type { TagrollConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import type { HistoryStore } from "../state/history-store.js";
import type { RolloutObserver } from "../coordinator/index.js";
import { pruneAfterRollout } from "../prune/prune-after-rollout.js";
import { RegistryPruner } from "../prune/registry-pruner.js";
import { digestSync, type DigestSync } from "../supply-chain/digest-sync.js";
import { RegistryPoller } from "../supply-chain/registry-poller.js";
import { RegistryPool } from "../supply-chain/registry-pool.js";
import { SupplyChainGate } from "../supply-chain/supply-chain-gate.js";
import { NO_SUPPLY_CHAIN_OBSERVER, type SupplyChainObserver } from "../supply-chain/supply-chain-observer.js";

export interface SupplyChainParts {
  pool: RegistryPool;
  gate: SupplyChainGate;
  poller: RegistryPoller | undefined;
  observer: SupplyChainObserver;
  pruner: RegistryPruner;
  /** The coordinator's check of a tag written without its digest (digest-sync.ts). */
  pinDigest: DigestSync;
  /** Prunes after each succeeded rollout (services with `prune`). */
  rolloutObservers: RolloutObserver[];
  start(): void;
  stop(): Promise<void>;
}

/**
 * The registry clients, the digest/signature gate and the poller (README, "Supply chain"), or
 * undefined when no service uses them. Polling runs only where the coordinator does, and polls
 * only while it leads.
 */
export function buildSupplyChain(deps: {
  config: TagrollConfig;
  kv: KvStore;
  history: HistoryStore;
  clock: Clock;
  log: Logger;
  /** Undefined when this process runs no coordinator: it then never polls. */
  isLeader: (() => boolean) | undefined;
  observer?: SupplyChainObserver;
}): SupplyChainParts | undefined {
  const { config, isLeader } = deps;
  if (!config.services.some((s) => s.supplyChain !== undefined)) return undefined;
  const log = deps.log.child({ component: "supply-chain" });
  const observer = deps.observer ?? NO_SUPPLY_CHAIN_OBSERVER;
  const pool = new RegistryPool({ registries: config.registries ?? [], clock: deps.clock, log });
  const gate = new SupplyChainGate(pool, observer);
  const poller = isLeader
    ? new RegistryPoller({
        services: config.services,
        pool,
        gate,
        kv: deps.kv,
        history: deps.history,
        clock: deps.clock,
        log,
        observer,
        isLeader,
      })
    : undefined;
  const pruner = new RegistryPruner({ pool, kv: deps.kv, log: log.child({ component: "prune" }), observer });
  const afterRollout = pruneAfterRollout({ services: config.services, pruner, log, observer });
  return {
    pool,
    gate,
    poller,
    observer,
    pruner,
    pinDigest: digestSync({ kv: deps.kv, gate, log, observer }),
    rolloutObservers: [afterRollout],
    start: () => poller?.start(),
    stop: async () => {
      await poller?.stop();
      await afterRollout.idle();
      await pool.close();
    },
  };
}
