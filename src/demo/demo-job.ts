import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** deploy/demo/, found the same way from src/ (tests, tsx) and dist/ (the installed CLI). */
export const DEMO_DIR = fileURLToPath(new URL("../../deploy/demo/", import.meta.url));
export const DEMO_APP = `${DEMO_DIR}app.mjs`;
export const DEMO_JOB_HCL = `${DEMO_DIR}demo.nomad.hcl`;

export interface DemoJobOptions {
  /** Nomad job ID; default `demo`. */
  id?: string;
  /** Consul service name, KV folder `configs/<service>/` and `tagroll_service` meta; default `demo`. */
  service?: string;
  count?: number;
  changeMode?: "noop" | "restart" | "signal";
  maxParallel?: number;
  minHealthyTime?: string;
  healthyDeadline?: string;
  startupDelayMs?: number;
}

/** The demo job as Nomad's JSON, parsed by the agent from deploy/demo/demo.nomad.hcl. */
export async function parseDemoJob(nomadAddr: string, options: DemoJobOptions = {}, token?: string) {
  const vars: Record<string, string | number | undefined> = {
    node: process.execPath,
    app: DEMO_APP,
    service: options.service,
    count: options.count,
    change_mode: options.changeMode,
    max_parallel: options.maxParallel,
    min_healthy_time: options.minHealthyTime,
    healthy_deadline: options.healthyDeadline,
    startup_delay_ms: options.startupDelayMs,
  };
  const variables = Object.entries(vars)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join("\n");
  const job = (await nomadPost(nomadAddr, "/v1/jobs/parse", token, {
    JobHCL: await readFile(DEMO_JOB_HCL, "utf8"),
    Variables: variables,
    Canonicalize: true,
  })) as { ID: string; Name: string };
  const id = options.id ?? options.service ?? "demo";
  return { ...job, ID: id, Name: id };
}

/** Registers (or updates) the demo job; returns its ID. */
export async function registerDemoJob(nomadAddr: string, options: DemoJobOptions = {}, token?: string) {
  const job = await parseDemoJob(nomadAddr, options, token);
  await nomadPost(nomadAddr, "/v1/jobs", token, { Job: job });
  return job.ID;
}

async function nomadPost(nomadAddr: string, path: string, token: string | undefined, body: unknown) {
  const res = await fetch(`${nomadAddr}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "x-nomad-token": token } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Nomad ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
}
