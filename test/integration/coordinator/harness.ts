import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import type { ServiceConfig, TagrollConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/core/logger.js";
import { Coordinator } from "../../../src/coordinator/coordinator.js";
import { observeAll, type CoordinatorEvent } from "../../../src/coordinator/rollout-observer.js";
import { ConsulKvStore, ConsulServiceHealth } from "../../../src/kv/consul-kv-store.js";
import type { ServiceHealth } from "../../../src/kv/kv-store.js";
import type { NomadApi } from "../../../src/nomad/nomad-api.js";
import { HttpNomadApi } from "../../../src/nomad/http-nomad-api.js";
import { parseRolloutRecord, type RolloutRecord } from "../../../src/coordinator/rollout-record.js";
import { consulAddr, kvDeleteTree, kvGet, nomadAddr, purgeJob, waitFor } from "../../helpers/cluster.js";

export interface Timed<T> {
  wall: number;
  event: T;
}

export interface RestartCall {
  allocId: string;
  at: number;
}

export function service(name: string, rollout: Partial<ServiceConfig["rollout"]> = {}): ServiceConfig {
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

export function config(services: ServiceConfig[], leaderKey: string, nomad = nomadAddr()): TagrollConfig {
  return {
    server: { host: "127.0.0.1", port: 0, publicUrl: "http://127.0.0.1", bodyLimit: 65536 },
    consul: { address: consulAddr() },
    nomad: { address: nomad },
    keys: [],
    activeKeyId: "none",
    // The shortest TTL Consul accepts keeps the HA tests short.
    coordinator: {
      enabled: true,
      reconcileSchedule: "0 0 1 1 *",
      leaderKey,
      sessionTtl: "10s",
      deliveryTtlMs: 86_400_000,
    },
    historyLimit: 100,
    logLevel: "debug",
    services,
  };
}

/** Wraps a NomadApi so every restart request is timed (reaction time, batches, double restarts). */
export function timedRestarts(nomad: NomadApi, calls: RestartCall[]): NomadApi {
  return new Proxy(nomad, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (prop !== "restartAllocation") return (value as () => unknown).bind(target);
      return (allocId: string, ...rest: unknown[]) => {
        calls.push({ allocId, at: Date.now() });
        return (value as (...a: unknown[]) => unknown).call(target, allocId, ...rest);
      };
    },
  });
}

/**
 * ConsulServiceHealth plus `setMaintenance` against the one dev agent (which registered every
 * service). ServiceHealth.setMaintenance is optional and not in ConsulServiceHealth yet.
 */
export function withMaintenance(health: ServiceHealth, agent: string): ServiceHealth {
  if (health.setMaintenance) return health;
  const setMaintenance = async (serviceId: string, enable: boolean, reason: string) => {
    const query = new URLSearchParams({ enable: String(enable), ...(reason ? { reason } : {}) });
    const res = await fetch(
      `${agent}/v1/agent/service/maintenance/${encodeURIComponent(serviceId)}?${query}`,
      {
        method: "PUT",
        signal: AbortSignal.timeout(5_000),
      },
    );
    if (!res.ok && !(res.status === 404 && !enable))
      throw new Error(`maintenance ${serviceId}: HTTP ${res.status}`);
  };
  return Object.assign(Object.create(health) as ServiceHealth, { setMaintenance });
}

/** An in-process coordinator on the real agents, recording its events and restart requests. */
export class CoordinatorRun {
  readonly events: Array<Timed<CoordinatorEvent>> = [];
  readonly restarts: RestartCall[] = [];
  readonly coordinator: Coordinator;
  private readonly kv: ConsulKvStore;
  private readonly health: ConsulServiceHealth;
  private readonly nomad: HttpNomadApi;

  constructor(cfg: TagrollConfig, logName: string, instanceId = logName) {
    this.kv = new ConsulKvStore(cfg.consul);
    this.health = new ConsulServiceHealth(cfg.consul);
    this.nomad = new HttpNomadApi(cfg.nomad, { timeoutMs: 5_000 });
    const dir = join(process.cwd(), "test-artifacts", "coordinator");
    mkdirSync(dir, { recursive: true });
    const logger = createLogger({
      level: "debug",
      destination: pino.destination({ dest: join(dir, `${logName}.log`), sync: true }),
    });
    this.coordinator = new Coordinator({
      config: cfg,
      kv: this.kv,
      health: withMaintenance(this.health, cfg.consul.address),
      nomad: timedRestarts(this.nomad, this.restarts),
      logger,
      instanceId,
      observers: [observeAll((event) => this.events.push({ wall: Date.now(), event }))],
    });
    this.coordinator.start();
  }

  /** The first finished rollout of `service` to `value` (its status), once it happened. */
  finished(service: string, value: string): CoordinatorEvent | undefined {
    return this.events.find(
      ({ event }) => event.type === "rollout-finished" && event.service === service && event.value === value,
    )?.event;
  }

  /** The newest finished rollout of `service`, if any. */
  lastFinished(service: string): CoordinatorEvent | undefined {
    return this.events
      .filter(({ event }) => event.type === "rollout-finished" && event.service === service)
      .at(-1)?.event;
  }

  async stop(): Promise<void> {
    await this.coordinator.stop();
    this.kv.close();
    this.health.close();
    await this.nomad.close();
  }
}

/** Removes everything a test made: its job, its KV folder and tagroll's records of it. */
export async function cleanUp(name: string, jobs: string[] = [name]): Promise<void> {
  for (const job of jobs) await purgeJob(job).catch(() => undefined);
  for (const prefix of [
    `configs/${name}/`,
    `tagroll/rollouts/${name}`,
    `tagroll/history/${name}`,
    `tagroll/requests/${name}`,
    `tagroll/leader-${name}`,
  ]) {
    await kvDeleteTree(prefix).catch(() => undefined);
  }
}

export async function recordOf(name: string): Promise<RolloutRecord | undefined> {
  const raw = await kvGet(`tagroll/rollouts/${name}`);
  return raw === undefined ? undefined : parseRolloutRecord(raw);
}

/** Waits until tagroll has adopted the current value as the service's baseline. */
export async function adopted(name: string): Promise<RolloutRecord> {
  return waitFor(`baseline of ${name} adopted`, async () => {
    const record = await recordOf(name);
    return record?.kind === "adopted" ? record : undefined;
  });
}
