import type { ServiceConfig } from "../config/types.js";
import { Backoff } from "../core/backoff.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { RegistryRateLimitedError } from "../registry/registry-errors.js";
import type { HistoryStore } from "../state/history-store.js";
import { pollCandidate } from "./poll-candidate.js";
import { publishTag, type PublishResult } from "./publish-tag.js";
import type { RegistryPool } from "./registry-pool.js";
import type { SupplyChainGate } from "./supply-chain-gate.js";
import type { SupplyChainObserver } from "./supply-chain-observer.js";

export interface RegistryPollerDeps {
  services: readonly ServiceConfig[];
  pool: RegistryPool;
  gate: SupplyChainGate;
  kv: KvStore;
  history: HistoryStore;
  clock: Clock;
  log: Logger;
  observer: SupplyChainObserver;
  /** Only the coordinator's leader polls (README, "Polling"). */
  isLeader: () => boolean;
}

/**
 * Polls the registries of services with `poll: { every }` for registries that send no webhook:
 * one loop per service, so one poll per service at a time. A poll lists the tags, picks the
 * candidate (poll-candidate.ts) and writes it through the same digest, signature and policy
 * checks as a webhook. Failures back off exponentially (429 waits at least `Retry-After`) and a
 * success returns to the configured interval.
 */
export class RegistryPoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly d: RegistryPollerDeps) {}

  start(): void {
    this.loops = this.d.services
      .filter((s) => s.supplyChain?.pollEveryMs !== undefined)
      .map((s) => this.loop(s, s.supplyChain?.pollEveryMs ?? 300_000));
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error("poller stopped"));
    await Promise.all(this.loops);
  }

  /** One poll of `service`; throws registry and Consul errors. */
  async pollOnce(service: ServiceConfig): Promise<PublishResult | { outcome: "unchanged"; reason: string }> {
    const { registry, repository } = this.d.pool.forImage(service.image);
    const tags = await registry.listTags(repository);
    const current = (await this.d.kv.get(service.key))?.value;
    const tag = pollCandidate(service.policy, tags, current);
    if (tag === undefined) return { outcome: "unchanged", reason: "no tag newer than the desired one" };
    const admission = await this.d.gate.admit(service, tag, undefined, "poll");
    return publishTag(this.d, service, tag, admission, "poll");
  }

  private async loop(service: ServiceConfig, everyMs: number): Promise<void> {
    const log = this.d.log.child({ service: service.name });
    const backoff = new Backoff(Math.min(everyMs, 10_000), Math.max(everyMs * 4, 60_000));
    const signal = this.abort.signal;
    let delay = everyMs;
    while (!signal.aborted) {
      try {
        await this.d.clock.sleep(delay, signal);
      } catch {
        return;
      }
      if (!this.d.isLeader()) {
        delay = everyMs;
        continue;
      }
      try {
        const result = await this.pollOnce(service);
        this.d.observer.onPoll(service.name, result.outcome);
        const level = result.outcome === "unchanged" ? "debug" : "info";
        log[level]({ ...result }, "registry poll");
        backoff.reset();
        delay = everyMs;
      } catch (error) {
        delay = backoff.next();
        if (error instanceof RegistryRateLimitedError) {
          delay = Math.max(delay, error.retryAfterMs ?? 0);
          this.d.observer.onPoll(service.name, "rate_limited");
        } else {
          this.d.observer.onPoll(service.name, "failed");
        }
        log.warn(
          { error: { type: (error as Error).name, message: (error as Error).message }, retryInMs: delay },
          "registry poll failed",
        );
      }
    }
  }
}
