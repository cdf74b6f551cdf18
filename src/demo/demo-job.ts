import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { registerJobHcl } from "../nomad/job-admin.js";
import { NomadHttp } from "../nomad/nomad-http.js";

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
  /** Where the service is declared: `group` (default, the contract) or `task`. */
  serviceAt?: "group" | "task";
}

/** The HCL variables of deploy/demo/demo.nomad.hcl for these options (unset ones keep their defaults). */
function demoVariables(options: DemoJobOptions): Record<string, string | number> {
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
    service_at: options.serviceAt,
  };
  return Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number
  >;
}

/** The demo job as Nomad's JSON, parsed by the agent from deploy/demo/demo.nomad.hcl. */
export async function parseDemoJob(nomadAddr: string, options: DemoJobOptions = {}, token?: string) {
  return withNomad(nomadAddr, token, async (http) => {
    const variables = Object.entries(demoVariables(options))
      .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
      .join("\n");
    const job = await http.json<{ ID: string; Name: string }>("/v1/jobs/parse", {
      method: "POST",
      body: { JobHCL: await readFile(DEMO_JOB_HCL, "utf8"), Variables: variables, Canonicalize: true },
    });
    const id = options.id ?? options.service ?? "demo";
    return { ...job, ID: id, Name: id };
  });
}

/** Registers (or updates) the demo job; returns its ID. */
export async function registerDemoJob(nomadAddr: string, options: DemoJobOptions = {}, token?: string) {
  if (options.serviceAt === "task") return registerTaskLevelDemo(nomadAddr, options, token);
  const hcl = await readFile(DEMO_JOB_HCL, "utf8");
  const jobId = options.id ?? options.service ?? "demo";
  return withNomad(nomadAddr, token, async (http) => {
    return (await registerJobHcl(http, hcl, { variables: demoVariables(options), jobId })).jobId;
  });
}

interface DemoJobJson {
  ID: string;
  TaskGroups: Array<{ Services?: unknown[] | null; ShutdownDelay?: number | null; Tasks: DemoTaskJson[] }>;
}
interface DemoTaskJson {
  Services?: unknown[] | null;
  ShutdownDelay?: number;
}

/**
 * The demo job with its service and shutdown_delay moved from the group into the task: the
 * layout tagroll can drain only through Consul maintenance (README, "The Nomad job contract").
 * Tests use it to show such restarts are reported; users should not copy it.
 */
async function registerTaskLevelDemo(nomadAddr: string, options: DemoJobOptions, token?: string) {
  const job = (await parseDemoJob(nomadAddr, options, token)) as unknown as DemoJobJson;
  for (const group of job.TaskGroups) {
    const task = group.Tasks[0];
    if (!task) continue;
    task.Services = group.Services ?? [];
    task.ShutdownDelay = group.ShutdownDelay ?? 0;
    group.Services = [];
    group.ShutdownDelay = null;
  }
  return withNomad(nomadAddr, token, async (http) => {
    await http.json("/v1/jobs", { method: "POST", body: { Job: job } });
    return job.ID;
  });
}

async function withNomad<T>(
  address: string,
  token: string | undefined,
  use: (http: NomadHttp) => Promise<T>,
) {
  const http = new NomadHttp(token === undefined ? { address } : { address, token });
  try {
    return await use(http);
  } finally {
    await http.close();
  }
}
