import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import type { ServiceConfig, TagrollConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/core/logger.js";
import { Coordinator } from "../../../src/coordinator/index.js";
import { observeAll, type CoordinatorEvent } from "../../../src/coordinator/index.js";
import { ConsulKvStore, ConsulServiceHealth } from "../../../src/kv/consul-kv-store.js";
import { HttpNomadApi } from "../../../src/nomad/http-nomad-api.js";
import { parseRolloutRecord, type RolloutRecord } from "../../../src/coordinator/index.js";
import { consulAddr, kvDeleteTree, kvGet, nomadAddr, purgeJob, waitFor } from "../../helpers/cluster.js";

export interface Timed<T> {
  wall: number;
  event: T;
}

import { buildConfig, timedRestarts, type RestartCall } from "./wiring.js";
import { historyKey, LEADER_KEY, requestKey, rolloutKey } from "../../../src/state/kv-layout.js";

export { service } from "./wiring.js";

export function config(services: ServiceConfig[], leaderKey: string, nomad = nomadAddr()): TagrollConfig {
  return buildConfig(consulAddr(), nomad, services, leaderKey);
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
      health: this.health,
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
    rolloutKey(name),
    historyKey(name),
    requestKey(name),
    `${LEADER_KEY}-${name}`,
  ]) {
    await kvDeleteTree(prefix).catch(() => undefined);
  }
}

export async function recordOf(name: string): Promise<RolloutRecord | undefined> {
  const raw = await kvGet(rolloutKey(name));
  return raw === undefined ? undefined : parseRolloutRecord(raw);
}

/** Waits until tagroll has adopted the current value as the service's baseline. */
export async function adopted(name: string): Promise<RolloutRecord> {
  return waitFor(`baseline of ${name} adopted`, async () => {
    const record = await recordOf(name);
    return record?.kind === "adopted" ? record : undefined;
  });
}
