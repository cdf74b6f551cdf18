/**
 * One coordinator as its own process, for the crash (SIGKILL) and HA tests. Argument: JSON
 * {consul, nomad, service, leaderKey, instanceId, log}. Writes one JSON line per event and per
 * restart request to stdout; SIGTERM stops it cleanly.
 */
import { pino } from "pino";
import type { ServiceConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/core/logger.js";
import { Coordinator } from "../../../src/coordinator/index.js";
import { observeAll } from "../../../src/coordinator/index.js";
import { ConsulKvStore, ConsulServiceHealth } from "../../../src/kv/consul-kv-store.js";
import { HttpNomadApi } from "../../../src/nomad/http-nomad-api.js";
import { buildConfig, timedRestarts, type RestartCall } from "./wiring.js";

interface Args {
  consul: string;
  nomad: string;
  service: ServiceConfig;
  leaderKey: string;
  instanceId: string;
  log: string;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const config = buildConfig(args.consul, args.nomad, [args.service], args.leaderKey);
const kv = new ConsulKvStore(config.consul);
const health = new ConsulServiceHealth(config.consul);
const nomad = new HttpNomadApi(config.nomad, { timeoutMs: 5_000 });
const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const restarts: RestartCall[] = new Proxy([], {
  set(target, prop, value: unknown) {
    if (prop !== "length") line({ kind: "restart", ...(value as RestartCall) });
    return Reflect.set(target, prop, value);
  },
});
const coordinator = new Coordinator({
  config,
  kv,
  health: health,
  nomad: timedRestarts(nomad, restarts),
  logger: createLogger({ level: "debug", destination: pino.destination({ dest: args.log, sync: true }) }),
  instanceId: args.instanceId,
  observers: [observeAll((event) => line({ kind: "event", wall: Date.now(), event }))],
});
coordinator.start();
line({ kind: "ready", pid: process.pid });

process.on("SIGTERM", () => {
  void coordinator.stop().then(() => process.exit(0));
});
