import type { ServiceConfig } from "../config/types.js";
import type { RolloutFinishedEvent, RolloutObserver } from "../coordinator/index.js";
import type { Logger } from "../core/logger.js";
import type { SupplyChainObserver } from "../supply-chain/supply-chain-observer.js";
import type { RegistryPruner } from "./registry-pruner.js";

/**
 * Prunes a service's registry after each `succeeded` rollout. A prune that fails only logs and
 * counts (`tagroll_prune_tags_total{outcome="failed"}`): the rollout's outcome is already final
 * and is never touched. One prune per service at a time; a rollout finishing during one is
 * covered by the next.
 */
export function pruneAfterRollout(deps: {
  services: readonly ServiceConfig[];
  pruner: RegistryPruner;
  log: Logger;
  observer: SupplyChainObserver;
}): RolloutObserver & { idle(): Promise<void> } {
  const byName = new Map(deps.services.filter((s) => s.supplyChain?.prune).map((s) => [s.name, s]));
  const running = new Map<string, Promise<void>>();
  return {
    onRolloutFinished(event: RolloutFinishedEvent) {
      if (event.status !== "succeeded") return;
      const service = byName.get(event.service);
      if (!service || running.has(service.name)) return;
      const run = deps.pruner
        .prune(service)
        .then(() => undefined)
        .catch((error: unknown) => {
          deps.observer.onPrune(service.name, "failed", 1);
          deps.log.warn(
            {
              service: service.name,
              error: { type: (error as Error).name, message: (error as Error).message },
            },
            "prune after rollout failed; nothing deleted",
          );
        })
        .finally(() => running.delete(service.name));
      running.set(service.name, run);
    },
    async idle() {
      await Promise.all(running.values());
    },
  };
}
