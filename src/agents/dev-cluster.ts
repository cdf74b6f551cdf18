import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentProcess } from "./agent-process.js";
import { freePorts } from "./free-port.js";
import { killProcessesUnder, stopAllJobs, unmountUnder } from "./nomad-leftovers.js";

export interface DevClusterOptions {
  consulBin: string;
  nomadBin: string;
  /** Directory for data and logs; a fresh temp dir when omitted. */
  dir?: string;
  /** Keep the agent logs on stop (data dirs are always removed). */
  keepLogs?: boolean;
  /** Bound on each agent's start-up. */
  readyTimeoutMs?: number;
  progress?: (line: string) => void;
}

export interface DevCluster {
  consulAddr: string;
  nomadAddr: string;
  consulDnsPort: number;
  dir: string;
  consulLog: string;
  nomadLog: string;
  stop(): Promise<void>;
}

/**
 * Starts a Consul dev agent and a Nomad dev agent (server + client, raw_exec on) pointed at it,
 * on free loopback ports, and waits until both are really usable: Consul has a leader, and the
 * Nomad node is ready, eligible and has a healthy raw_exec driver.
 */
export async function startDevCluster(options: DevClusterOptions): Promise<DevCluster> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "tagroll-agents-")));
  await mkdir(dir, { recursive: true });
  const progress = options.progress ?? (() => {});
  const timeout = options.readyTimeoutMs ?? 60_000;
  const [cHttp, cDns, cGrpc, cLan, cWan, cServer, nHttp, nRpc, nSerf] = (await freePorts(9)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const consulAddr = `http://127.0.0.1:${cHttp}`;
  const nomadAddr = `http://127.0.0.1:${nHttp}`;
  const consulLog = join(dir, "consul.log");
  const nomadLog = join(dir, "nomad.log");
  const nomadData = join(dir, "nomad-data");
  const started: AgentProcess[] = [];

  const stop = async () => {
    if (started.length > 1) await stopAllJobs(nomadAddr);
    for (const agent of started.reverse()) await agent.stop();
    await killProcessesUnder(nomadData);
    await unmountUnder(nomadData);
    await rm(nomadData, { recursive: true, force: true });
    if (!options.keepLogs && !options.dir) await rm(dir, { recursive: true, force: true });
  };

  try {
    progress(`starting consul on ${consulAddr}`);
    const consul = AgentProcess.start(
      "consul",
      options.consulBin,
      [
        "agent",
        "-dev",
        "-node",
        "tagroll-dev",
        "-bind",
        "127.0.0.1",
        "-client",
        "127.0.0.1",
        "-http-port",
        `${cHttp}`,
        "-dns-port",
        `${cDns}`,
        "-grpc-port",
        `${cGrpc}`,
        "-serf-lan-port",
        `${cLan}`,
        "-serf-wan-port",
        `${cWan}`,
        "-server-port",
        `${cServer}`,
        "-hcl",
        "ports { grpc_tls = -1 }",
        "-hcl",
        "disable_update_check = true",
      ],
      consulLog,
    );
    started.push(consul);
    await waitUntil(consul, timeout, async () => (await getJson(`${consulAddr}/v1/status/leader`)) !== "");

    const config = join(dir, "nomad.hcl");
    await writeFile(config, nomadConfig({ nomadData, nHttp, nRpc, nSerf, cHttp, cGrpc }));
    progress(`starting nomad on ${nomadAddr}`);
    const nomad = AgentProcess.start(
      "nomad",
      options.nomadBin,
      ["agent", "-dev", "-config", config],
      nomadLog,
    );
    started.push(nomad);
    await waitUntil(nomad, timeout, () => nomadNodeReady(nomadAddr));
    return { consulAddr, nomadAddr, consulDnsPort: cDns, dir, consulLog, nomadLog, stop };
  } catch (err) {
    const tails = await Promise.all(
      started.map(async (a) => `--- ${a.name} log (${a.logFile}) ---\n${await a.logTail()}`),
    );
    await stop();
    throw new Error(`${(err as Error).message}\n${tails.join("\n")}`, { cause: err });
  }
}

function nomadConfig(
  p: Record<"nomadData" | "nHttp" | "nRpc" | "nSerf" | "cHttp" | "cGrpc", string | number>,
) {
  // Cloud fingerprinters probe 169.254.169.254 and stall start-up on a closed network.
  return `
name                 = "tagroll-dev"
data_dir             = "${p.nomadData}"
bind_addr            = "127.0.0.1"
disable_update_check = true
ports {
  http = ${p.nHttp}
  rpc  = ${p.nRpc}
  serf = ${p.nSerf}
}
consul {
  address      = "127.0.0.1:${p.cHttp}"
  grpc_address = "127.0.0.1:${p.cGrpc}"
}
client {
  enabled          = true
  alloc_mounts_dir = "${p.nomadData}/alloc_mounts"
  options = {
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}
`;
}

async function nomadNodeReady(nomadAddr: string): Promise<boolean> {
  const nodes = (await getJson(`${nomadAddr}/v1/nodes`)) as Array<{
    ID: string;
    Status: string;
    SchedulingEligibility: string;
  }>;
  const node = nodes.find((n) => n.Status === "ready" && n.SchedulingEligibility === "eligible");
  if (!node) return false;
  const detail = (await getJson(`${nomadAddr}/v1/node/${node.ID}`)) as {
    Drivers?: Record<string, { Healthy?: boolean }>;
  };
  return detail.Drivers?.raw_exec?.Healthy === true;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

async function waitUntil(
  agent: AgentProcess,
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "not ready";
  while (Date.now() < deadline) {
    const exited = agent.exitReason();
    if (exited) throw new Error(`${exited} during start-up`);
    try {
      if (await ready()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${agent.name} not ready after ${timeoutMs} ms (${lastError})`);
}
