import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { AgentProcess } from "../src/agents/agent-process.js";
import { freePorts } from "../src/agents/free-port.js";
import { CONSUL_PIN } from "../src/agents/pins.js";
import { resolveBinary } from "../src/agents/resolve-binary.js";
import { loadConfig } from "../src/config/load-config.js";
import { systemClock } from "../src/core/clock.js";
import { createLogger } from "../src/core/logger.js";
import { startRuntime } from "../src/runtime/runtime.js";
import { createWebhookToken } from "../src/tokens/webhook-token.js";

/**
 * Ingest measurement (design, benchmark 2): webhooks/s and p50/p99 latency of
 * `POST /hooks/<token>` → policy-checked CAS write, against a loop of raw Consul KV PUTs on the
 * same agent at the same concurrency. Not a test: it prints figures.
 *
 *   node --import tsx bench/ingest.ts [--concurrency 8] [--seconds 10] [--consul-addr URL]
 *
 * Without --consul-addr it starts a private Consul dev agent (the pinned binary). Phases:
 * raw PUT (one key per worker), webhooks (one service per worker: every push is newer, so every
 * one writes), and webhooks that all target one service (the CAS contention case).
 */

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "8" },
    seconds: { type: "string", default: "10" },
    "consul-addr": { type: "string" },
  },
});
const CONCURRENCY = Number(values.concurrency);
const SECONDS = Number(values.seconds);

interface Phase {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/** `CONCURRENCY` loops calling `once(worker, n)` until the time is up; latency of each call. */
async function drive(name: string, once: (worker: number, n: number) => Promise<boolean>): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let n = 1; performance.now() < until; n++) {
        const t0 = performance.now();
        const ok = await once(worker, n).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  return {
    name,
    requests: latencies.length,
    errors,
    seconds: (performance.now() - started) / 1000,
    latencies,
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

function summary(p: Phase) {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  return { ...p, rate: p.requests / p.seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

async function startConsul(dir: string): Promise<{ addr: string; stop(): Promise<void> }> {
  const consul = await resolveBinary(CONSUL_PIN, { progress: (line) => console.error(`[bench] ${line}`) });
  const [http, lan, wan, server] = (await freePorts(4)) as [number, number, number, number];
  const ports = ["-http-port", `${http}`, "-serf-lan-port", `${lan}`, "-serf-wan-port", `${wan}`];
  const args = [
    "agent",
    "-dev",
    "-bind",
    "127.0.0.1",
    "-client",
    "127.0.0.1",
    ...ports,
    "-server-port",
    `${server}`,
  ];
  const quiet = ["-dns-port", "-1", "-grpc-port", "-1", "-hcl", "ports { grpc_tls = -1 }"];
  const agent = AgentProcess.start("consul", consul.path, [...args, ...quiet], join(dir, "consul.log"));
  const addr = `http://127.0.0.1:${http}`;
  for (let i = 0; i < 200; i++) {
    const leader = await fetch(`${addr}/v1/status/leader`).then(
      (r) => r.json() as Promise<string>,
      () => "",
    );
    if (leader) return { addr, stop: () => agent.stop() };
    await new Promise((r) => setTimeout(r, 100));
  }
  await agent.stop();
  throw new Error(`consul did not elect a leader: ${await agent.logTail()}`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tagroll-bench-ingest-"));
  const given = values["consul-addr"];
  const consul = given ? { addr: given, stop: async () => {} } : await startConsul(dir);
  const services = Array.from({ length: CONCURRENCY }, (_, i) => `bench-${i}`);
  const yaml = [
    "services:",
    ...services.map((s) => `  - { name: ${s}, image: acme/${s}, policy: { order: numeric } }`),
    "  - { name: bench-shared, image: acme/bench-shared }",
  ].join("\n");
  const config = loadConfig({
    flags: { config: "/bench/tagroll.yaml", host: "127.0.0.1", coordinator: false },
    env: { TAGROLL_SIGNING_KEYS: `k1:${randomBytes(32).toString("base64")}`, CONSUL_HTTP_ADDR: consul.addr },
    readFile: (path) => (path === "/bench/tagroll.yaml" ? yaml : undefined),
  });
  // Logs at info, as `tagroll serve` runs, written to /dev/null instead of a terminal.
  const log = createLogger({
    level: "info",
    destination: pino.destination({ dest: "/dev/null", sync: false }),
  });
  const runtime = await startRuntime({ config: { ...config, server: { ...config.server, port: 0 } }, log });
  const hook = async (service: string) => {
    const { token } = await createWebhookToken(config.keys, config.activeKeyId, service, systemClock);
    return `${runtime.url}/hooks/${token}`;
  };
  const urls = await Promise.all(services.map(hook));
  const sharedUrl = await hook("bench-shared");
  const post = async (url: string, image: string, tag: string) => {
    const body = JSON.stringify({ image, tag });
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    await res.arrayBuffer();
    return res.status === 202;
  };
  const put = async (key: string, value: string) => {
    const res = await fetch(`${consul.addr}/v1/kv/${key}`, { method: "PUT", body: value });
    return (await res.text()).trim() === "true";
  };

  try {
    // Warm-up: connections, JIT, Consul's first writes. Later tags are all above these.
    await drive("warm-up", (w, n) => post(urls[w] ?? "", `acme/bench-${w}`, `${n}`));
    const base = 1_000_000;
    const phases = [
      await drive("raw Consul KV PUT", (w, n) => put(`bench-raw/${w}`, `${n}`)),
      await drive("POST /hooks → CAS write", (w, n) => post(urls[w] ?? "", `acme/bench-${w}`, `${base + n}`)),
      await drive("POST /hooks, one service", (w, n) => post(sharedUrl, "acme/bench-shared", `t${w}-${n}`)),
    ].map(summary);

    console.log(
      `concurrency ${CONCURRENCY}, ${SECONDS} s per phase, Consul ${consul.addr}, node ${process.version}\n`,
    );
    console.log("| phase | requests | failed | per second | p50 ms | p99 ms |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const p of phases) {
      const cells = [p.name, p.requests, p.errors, p.rate.toFixed(0), p.p50.toFixed(2), p.p99.toFixed(2)];
      console.log(`| ${cells.join(" | ")} |`);
    }
    const [raw, hooks] = phases as [ReturnType<typeof summary>, ReturnType<typeof summary>];
    console.log(
      `\nwebhooks/s ÷ raw PUTs/s = ${(hooks.rate / raw.rate).toFixed(3)}; ` +
        `latency p50 ${(hooks.p50 / raw.p50).toFixed(1)}×, p99 ${(hooks.p99 / raw.p99).toFixed(1)}× the raw PUT's`,
    );
  } finally {
    await runtime.close();
    // Consul's recursive delete is a prefix match: this clears every bench service's keys.
    for (const prefix of ["bench-raw/", "configs/bench-", "tagroll/history/bench-"]) {
      await fetch(`${consul.addr}/v1/kv/${prefix}?recurse`, { method: "DELETE" }).catch(() => {});
    }
    await consul.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
