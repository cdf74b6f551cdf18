import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import type { TagrollConfig } from "../../src/config/types.js";
import type { Clock } from "../../src/core/clock.js";
import { pino } from "pino";
import { createLogger, logDestination } from "../../src/core/logger.js";
import { observeAll, type CoordinatorEvent } from "../../src/coordinator/index.js";
import { startRuntime, type Runtime, type RuntimeOptions } from "../../src/runtime/runtime.js";
import { TimedRestarts, type RestartCall } from "./timed-restarts.js";
import { waitFor } from "../helpers/cluster.js";
import { tagOnly } from "../helpers/tag-only.js";
import { rolloutKey } from "../../src/state/kv-layout.js";
import { createAdminToken, type Scope } from "../../src/tokens/index.js";

const CONFIG_PATH = "/bench/tagroll.yaml";

export interface BenchTagrollOptions {
  consulAddr: string;
  nomadAddr: string;
  /** The configuration file's text, read through the real loadConfig (as `tagroll dev` does). */
  yaml: string;
  coordinator: boolean;
  logFile: string;
  /** Passed to startRuntime (the redeploy tests interleave a `nomad job run` with tagroll's register). */
  wrapDeployApi?: RuntimeOptions["wrapDeployApi"];
  /** The runtime's clock (default the system's); tests of deploy windows set the time. */
  clock?: Clock;
  /** More environment (secrets such as TAGROLL_NOTIFY_* variables). */
  env?: Record<string, string>;
  /** More files the configuration reads (token files), by absolute path. */
  files?: Record<string, string>;
  /** Keep the default digest pinning on services that do not mention it (default: `digest: false`, tag-only.ts). */
  pinDigests?: boolean;
  /**
   * Batch log lines as `tagroll serve` does (logDestination: up to 100 ms in memory); the benchmarks
   * set it. Default off: tests read the log file right after what they wait for, so each line goes
   * to the file as soon as it is logged (one asynchronous write per line).
   */
  batchLog?: boolean;
}

/** A coordinator event and the wall-clock time the benchmark saw it. */
export interface SeenEvent {
  wall: number;
  event: CoordinatorEvent;
}

export interface BenchTagroll {
  runtime: Runtime;
  config: TagrollConfig;
  events: SeenEvent[];
  /** The ingress's own timing of each written webhook: read + CAS write until Consul acknowledged. */
  kvWriteMs: number[];
  /** Webhooks in each Consul transaction the ingress made (src/ingress/push-write.ts batches them). */
  batches: number[];
  /** Every restart request the coordinator issued, through RuntimeOptions.wrapNomad. */
  restarts: RestartCall[];
  /**
   * Waits until `tagroll/rollouts/<service>` records `value` as done — how a first sight (adopted,
   * no event) or a finished rollout shows.
   */
  settled(service: string, value: string, timeoutMs?: number): Promise<void>;
  /** Waits for the rollout of `service` to `value` to finish; returns the finish event's time. */
  finished(service: string, value: string, timeoutMs?: number): Promise<SeenEvent>;
  close(): Promise<void>;
}

/** The configuration `tagroll serve` would build from this YAML and the standard variables. */
export function benchConfig(
  o: Pick<
    BenchTagrollOptions,
    "consulAddr" | "nomadAddr" | "yaml" | "coordinator" | "env" | "files" | "pinDigests"
  >,
) {
  const yaml = o.pinDigests ? o.yaml : tagOnly(o.yaml);
  const config = loadConfig({
    flags: { config: CONFIG_PATH, host: "127.0.0.1", coordinator: o.coordinator },
    env: {
      TAGROLL_SIGNING_KEYS: `bench:${randomBytes(32).toString("base64")}`,
      CONSUL_HTTP_ADDR: o.consulAddr,
      NOMAD_ADDR: o.nomadAddr,
      ...o.env,
    },
    cwd: "/bench",
    readFile: (path) => (path === CONFIG_PATH ? yaml : o.files?.[path]),
  });
  // An ephemeral port: the schema wants 1-65535, and a fixed one could collide on a shared machine.
  return { ...config, server: { ...config.server, port: 0 } } satisfies TagrollConfig;
}

/** tagroll in this process through the real startRuntime, logging to a file, recording events. */
export async function startBenchTagroll(o: BenchTagrollOptions): Promise<BenchTagroll> {
  const config = benchConfig(o);
  const events: SeenEvent[] = [];
  const kvWriteMs: number[] = [];
  const batches: number[] = [];
  const restarts: RestartCall[] = [];
  const log = createLogger({
    level: "info",
    // Asynchronous writes to a file; batched as `tagroll serve` batches them (src/core/logger.ts) when asked.
    destination: o.batchLog
      ? logDestination(o.logFile)
      : pino.destination({ dest: o.logFile, mkdir: true, sync: false }),
  });
  const runtime = await startRuntime({
    config,
    log,
    observers: [observeAll((event) => events.push({ wall: Date.now(), event }))],
    ingressObserver: {
      onWebhook: (seen) => void (seen.kvWriteMs !== undefined && kvWriteMs.push(seen.kvWriteMs)),
    },
    onIngestBatch: (batch) => void batches.push(batch.webhooks),
    wrapNomad: (nomad) => new TimedRestarts(nomad, restarts),
    ...(o.wrapDeployApi ? { wrapDeployApi: o.wrapDeployApi } : {}),
    ...(o.clock && { clock: o.clock }),
  });
  const finished = (service: string, value: string, timeoutMs = 240_000) =>
    waitFor(
      `rollout of ${service} to ${value}`,
      async () =>
        events.find(
          ({ event }) =>
            event.type === "rollout-finished" && event.service === service && event.value === value,
        ),
      { timeoutMs, intervalMs: 50 },
    );
  const settled = async (service: string, value: string, timeoutMs = 60_000) => {
    await waitFor(
      `${service} to settle on ${value}`,
      async () => {
        const entry = await runtime.kv.get(rolloutKey(service));
        const record = entry && (JSON.parse(entry.value) as { value?: string; status?: string });
        return record?.value === value && record.status !== "running" && record.status !== "reverting";
      },
      { timeoutMs, intervalMs: 100 },
    );
  };
  return {
    runtime,
    config,
    events,
    kvWriteMs,
    batches,
    restarts,
    settled,
    finished,
    close: () => runtime.close(),
  };
}

/** tagroll with the coordinator on and one service, `name`, whose jobs opt in by meta (the demo job). */
export function startTagrollFor(
  cluster: { consulAddr: string; nomadAddr: string; artifacts: string },
  name: string,
): Promise<BenchTagroll> {
  return startBenchTagroll({
    consulAddr: cluster.consulAddr,
    nomadAddr: cluster.nomadAddr,
    yaml: `services:\n  - name: ${name}\n    image: acme/${name}\n    policy:\n      order: none\n`,
    coordinator: true,
    logFile: join(cluster.artifacts, `tagroll-${name}.log`),
    batchLog: true,
  });
}

/** An API token for `t` (signed with its keys), valid for a day on `clock` (default the system's). */
export async function mintToken(
  t: Pick<BenchTagroll, "config">,
  scopes: Scope[],
  subject: string,
  clock?: Clock,
): Promise<string> {
  const claims = { subject, scopes, expiresIn: 86_400 };
  return (await createAdminToken(t.config.keys, t.config.activeKeyId, claims, clock)).token;
}
