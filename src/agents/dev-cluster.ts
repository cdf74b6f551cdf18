import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bootstrapNomadAcl,
  consulAclHcl,
  consulAclReady,
  createConsulToken,
  newManagementTokens,
  NOMAD_AGENT_CONSUL_RULES,
  type ClusterAcl,
} from "./acl-bootstrap.js";
import { AgentProcess } from "./agent-process.js";
import { getJson, nomadNodeReady, waitUntil } from "./agent-ready.js";
import { consulDevArgs, freeServerPorts, nomadDevConfig } from "./dev-agent-configs.js";
import { killProcessesUnder, stopAllJobs, unmountUnder } from "./nomad-leftovers.js";
import { agentIds, processId, removeRunRecord, writeRunRecord } from "./run-records.js";

/**
 * Set to the cluster's dir in both agents' environment, which every process they start inherits:
 * how `killProcessesUnder(dir)` finds them all, even those that name no path of the cluster.
 */
export const CLUSTER_MARKER = "TAGROLL_DEV_CLUSTER";

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
  /**
   * ACLs on in both agents, deny by default; the management tokens are in `DevCluster.acl`.
   * Default false: the shared test cluster and `tagroll dev` run without ACLs.
   */
  acls?: boolean;
  /**
   * Records the running agents in this directory until `stop()` (run-records.ts), so a later run
   * can stop what this one leaves behind if it dies without stopping them.
   */
  stateDir?: string;
}

export interface DevCluster {
  consulAddr: string;
  nomadAddr: string;
  consulDnsPort: number;
  dir: string;
  consulLog: string;
  nomadLog: string;
  /** Set when started with `acls: true`. */
  acl?: ClusterAcl;
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
  const { consul: consulPorts, nomad: nomadPorts } = await freeServerPorts();
  const { http: cHttp, dns: cDns, grpc: cGrpc } = consulPorts;
  const { http: nHttp, rpc: nRpc, serf: nSerf } = nomadPorts;
  const consulAddr = `http://127.0.0.1:${cHttp}`;
  const nomadAddr = `http://127.0.0.1:${nHttp}`;
  const consulLog = join(dir, "consul.log");
  const nomadLog = join(dir, "nomad.log");
  const nomadData = join(dir, "nomad-data");
  const started: AgentProcess[] = [];
  const tokens = options.acls ? newManagementTokens() : undefined;
  const owner = await processId(process.pid);
  let recordFile: string | undefined;
  const record = async () => {
    if (options.stateDir === undefined || owner === undefined) return;
    const agents = await agentIds(started);
    const removeDir = !options.keepLogs && !options.dir;
    recordFile = await writeRunRecord(options.stateDir, { owner, dir, nomadData, removeDir, agents });
  };

  const stop = async () => {
    if (started.length > 1) await stopAllJobs(nomadAddr, 20_000, tokens?.nomadManagementToken);
    for (const agent of started.reverse()) await agent.stop();
    // The dir, not just the data dir: the agents' own helpers (nomad logmon) carry it in their
    // environment only (CLUSTER_MARKER), and outlive an agent killed without its group.
    await killProcessesUnder(dir);
    await unmountUnder(nomadData);
    await rm(nomadData, { recursive: true, force: true });
    if (!options.keepLogs && !options.dir) await rm(dir, { recursive: true, force: true });
    if (recordFile !== undefined) await removeRunRecord(recordFile);
  };

  try {
    progress(`starting consul on ${consulAddr}${tokens ? " (ACLs on)" : ""}`);
    const aclHcl = tokens ? [consulAclHcl(tokens.consulManagementToken)] : [];
    const marker = { [CLUSTER_MARKER]: dir };
    const consul = AgentProcess.start(
      "consul",
      options.consulBin,
      consulDevArgs(consulPorts, aclHcl),
      consulLog,
      marker,
    );
    started.push(consul);
    await record();
    await waitUntil(consul, timeout, async () => (await getJson(`${consulAddr}/v1/status/leader`)) !== "");

    let acl: ClusterAcl | undefined;
    if (tokens) {
      await waitUntil(consul, timeout, () => consulAclReady(consulAddr, tokens.consulManagementToken));
      const nomadAgentConsulToken = await createConsulToken(
        consulAddr,
        tokens.consulManagementToken,
        "nomad-agent",
        NOMAD_AGENT_CONSUL_RULES,
      );
      acl = { ...tokens, nomadAgentConsulToken };
    }

    const config = join(dir, "nomad.hcl");
    const acls = acl !== undefined;
    await writeFile(config, nomadDevConfig({ nomadData, nHttp, nRpc, nSerf, cHttp, cGrpc, acl: acls }));
    progress(`starting nomad on ${nomadAddr}${acls ? " (ACLs on)" : ""}`);
    // Through the environment, not nomad.hcl: the agent uses it as its consul.token, and Nomad
    // 1.11 hands templates of tasks without a Consul workload identity an empty token, so
    // consul-template falls back to this variable (client/allocrunner/taskrunner/template).
    const env = acl ? { ...marker, CONSUL_HTTP_TOKEN: acl.nomadAgentConsulToken } : marker;
    const nomad = AgentProcess.start(
      "nomad",
      options.nomadBin,
      ["agent", "-dev", "-config", config],
      nomadLog,
      env,
    );
    started.push(nomad);
    await record();
    if (acl) {
      const secret = acl.nomadManagementToken;
      await waitUntil(nomad, timeout, async () => (await bootstrapNomadAcl(nomadAddr, secret), true));
    }
    await waitUntil(nomad, timeout, () => nomadNodeReady(nomadAddr, acl?.nomadManagementToken));
    const cluster = { consulAddr, nomadAddr, consulDnsPort: cDns, dir, consulLog, nomadLog, stop };
    return acl ? { ...cluster, acl } : cluster;
  } catch (err) {
    const tails = await Promise.all(
      started.map(async (a) => `--- ${a.name} log (${a.logFile}) ---\n${await a.logTail()}`),
    );
    await stop();
    throw new Error(`${(err as Error).message}\n${tails.join("\n")}`, { cause: err });
  }
}
