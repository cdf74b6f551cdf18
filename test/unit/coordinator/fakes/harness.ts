import { SECOND_NS } from "./fake-job.js";
import type { ServiceConfig, TagrollConfig } from "../../../../src/config/types.js";
import { createLogger } from "../../../../src/core/logger.js";
import { Coordinator, type CoordinatorOptions } from "../../../../src/coordinator/coordinator.js";
import { observeAll, type CoordinatorEvent } from "../../../../src/coordinator/model/rollout-events.js";
import { parseRolloutRecord, type RolloutRecord } from "../../../../src/coordinator/model/rollout-record.js";
import { LEADER_KEY, rolloutKey } from "../../../../src/state/kv-layout.js";
import { FakeKvStore } from "../../../helpers/fake-kv-store.js";
import { FakeNomad } from "./fake-nomad.js";
import { VirtualClock } from "./virtual-clock.js";

const FINAL = ["succeeded", "failed", "reverted"];

export const silentLogger = createLogger({ level: "silent" });

export function serviceConfig(name: string, rollout: Partial<ServiceConfig["rollout"]> = {}): ServiceConfig {
  return {
    name,
    image: `acme/${name}`,
    key: `configs/${name}/IMAGE_TAG`,
    secrets: {},
    policy: { order: "none", allowDowngrade: true, allowLatest: false },
    jobs: [],
    rollout: { autoRevert: true, renderTimeoutMs: 30_000, ...rollout },
  };
}

export function tagrollConfig(services: ServiceConfig[]): TagrollConfig {
  return {
    server: { host: "127.0.0.1", port: 0, publicUrl: "http://127.0.0.1", bodyLimit: 65536 },
    consul: { address: "http://127.0.0.1:8500" },
    nomad: { address: "http://127.0.0.1:4646" },
    keys: [],
    activeKeyId: "k1",
    coordinator: {
      enabled: true,
      reconcileSchedule: "*/10 * * * * *",
      reconcileBatch: 25,
      leaderKey: LEADER_KEY,
      sessionTtl: "15s",
      deliveryTtlMs: 86_400_000,
    },
    historyLimit: 100,
    logLevel: "info",
    services,
  };
}

/** Virtual clock + fake Consul + fake Nomad, and coordinators wired to them. */
export class Harness {
  readonly clock = new VirtualClock();
  readonly kv = new FakeKvStore(this.clock, 100);
  readonly nomad = new FakeNomad(this.clock, (key) => this.peek(key));
  readonly events: CoordinatorEvent[] = [];
  private readonly started: Coordinator[] = [];

  coordinator(services: ServiceConfig[], options: Partial<CoordinatorOptions> = {}): Coordinator {
    const coordinator = new Coordinator({
      config: tagrollConfig(services),
      kv: this.kv,
      health: this.nomad,
      nomad: this.nomad,
      logger: silentLogger,
      clock: this.clock,
      observers: [observeAll((event) => this.events.push(event))],
      scheduler: () => ({ stop: () => undefined }),
      watchWaitMs: 60_000,
      ...options,
    });
    coordinator.start();
    this.started.push(coordinator);
    return coordinator;
  }

  /** An operator's `consul kv put`. */
  async put(key: string, value: string): Promise<void> {
    await this.kv.set(key, value);
  }

  peek(key: string): string | undefined {
    return this.kv.dump()[key];
  }

  record(service: string): RolloutRecord | undefined {
    const raw = this.peek(rolloutKey(service));
    return raw === undefined ? undefined : parseRolloutRecord(raw);
  }

  /** Waits (virtual time) until the service's record is final with `value` as its target. */
  async finished(service: string, value: string): Promise<RolloutRecord> {
    let found: RolloutRecord | undefined;
    await this.clock.until(() => {
      const record = this.record(service);
      found = record && record.value === value && FINAL.includes(record.status) ? record : undefined;
      return found !== undefined;
    });
    return found as RolloutRecord;
  }

  restartsFor(value: string): string[] {
    return this.nomad.restarts.filter((r) => r.value === value).map((r) => r.allocId);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((c) => c.stop()));
  }
}

/** `configs/web/IMAGE_TAG` = v1 and a 3-allocation job `web` opted in to service web, one at a time. */
export async function withWebJob(h: Harness, count = 3, update = {}): Promise<Harness> {
  await h.put("configs/web/IMAGE_TAG", "v1");
  h.nomad.addJob({
    id: "web",
    service: "web",
    count,
    meta: { tagroll_service: "web" },
    update: { MaxParallel: 1, MinHealthyTime: 2 * SECOND_NS, HealthyDeadline: 60 * SECOND_NS, ...update },
  });
  return h;
}
