import type { ServiceConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { rolloutKey } from "../state/kv-layout.js";
import type { RegistryPool } from "../supply-chain/registry-pool.js";
import type { SupplyChainObserver } from "../supply-chain/supply-chain-observer.js";
import { planPrune, type PrunePlan } from "./prune-plan.js";

export type PruneResult =
  | { status: "pruned" | "dry-run"; plan: PrunePlan; deleted: string[]; failed: string[] }
  | { status: "refused"; reason: string };

/**
 * Deletes a service's old tags from its registry (README, "Pruning"): resolves every tag's
 * digest first — any registry error stops it before a single delete — then deletes the planned
 * manifests one by one. The deployed value is the service's key in Consul; the rollback target
 * is the `previousValue` of its last rollout record.
 */
export class RegistryPruner {
  constructor(
    private readonly d: { pool: RegistryPool; kv: KvStore; log: Logger; observer: SupplyChainObserver },
  ) {}

  async prune(service: ServiceConfig, options: { dryRun?: boolean } = {}): Promise<PruneResult> {
    const prune = service.supplyChain?.prune;
    if (!prune) return { status: "refused", reason: `service ${service.name} has no prune settings` };
    const log = this.d.log.child({ service: service.name, dryRun: options.dryRun === true });
    const { registry, repository } = this.d.pool.forImage(service.image);
    const [deployed, record] = await Promise.all([
      this.d.kv.get(service.key),
      this.d.kv.get(rolloutKey(service.name)),
    ]);
    const digests = new Map<string, string>();
    for (const tag of await registry.listTags(repository)) {
      digests.set(tag, (await registry.headManifest(repository, tag)).digest);
    }
    const decision = planPrune({
      policy: service.policy,
      digests,
      keep: prune.keep,
      keepTags: prune.keepTags,
      deployed: deployed?.value,
      previous: previousValue(record?.value),
    });
    if (!decision.ok) {
      log.warn({ reason: decision.reason }, "prune refused; nothing deleted");
      this.d.observer.onPrune(service.name, "refused", 1);
      return { status: "refused", reason: decision.reason };
    }
    const { plan } = decision;
    if (options.dryRun) return { status: "dry-run", plan, deleted: [], failed: [] };
    const deleted: string[] = [];
    const failed: string[] = [];
    for (const { digest, tags } of plan.delete) {
      try {
        await registry.deleteManifest(repository, digest);
        deleted.push(...tags);
      } catch (error) {
        failed.push(...tags);
        log.warn(
          { digest, tags, error: { type: (error as Error).name, message: (error as Error).message } },
          "prune: delete failed",
        );
      }
    }
    if (deleted.length) this.d.observer.onPrune(service.name, "deleted", deleted.length);
    if (failed.length) this.d.observer.onPrune(service.name, "failed", failed.length);
    log.info({ deleted, failed, kept: plan.keep.length }, "prune finished");
    return { status: "pruned", plan, deleted, failed };
  }
}

function previousValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = (JSON.parse(raw) as { previousValue?: unknown }).previousValue;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
