import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentProcess } from "./agent-process.js";
import { getJson, waitUntil } from "./agent-ready.js";
import { consulDevArgs, freeServerPorts } from "./dev-agent-configs.js";
import { CLUSTER_MARKER, type DevCluster } from "./dev-cluster.js";
import { freePorts } from "./free-port.js";
import { consulClientArgs, nomadClientConfig, nomadServerConfig } from "./multi-node-configs.js";
import { killProcessesUnder, stopAllJobs, unmountUnder } from "./nomad-leftovers.js";
import { agentIds, processId, removeRunRecord, writeRunRecord } from "./run-records.js";

export interface MultiNodeClusterOptions {
  consulBin: string;
  nomadBin: string;
  /** Number of Nomad clients, each with its own Consul client agent; default 2, at most 20. */
  nodes?: number;
  dir?: string;
  keepLogs?: boolean;
  readyTimeoutMs?: number;
  progress?: (line: string) => void;
  /** Records the running agents here until `stop()`, as dev-cluster.ts does (run-records.ts). */
  stateDir?: string;
  /** The Nomad server's `event_buffer_size`; tests of a resumed event stream make it small. */
  eventBufferSize?: number;
}

/** One client machine of the cluster: a Consul client agent and a Nomad client on one address. */
export interface ClusterNode {
  /** Nomad node name and Consul node name, `node-1`…. */
  name: string;
  /** The loopback address both agents bind to, 127.0.0.2…. */
  address: string;
  consulAddr: string;
  nomadAddr: string;
  consulLog: string;
  nomadLog: string;
  /** Whether both agents still run. */
  running(): boolean;
  /**
   * Loses the node as a crash would: SIGKILL to its Nomad client and Consul agent, then to every
   * task process it ran. Its allocations stop serving at once; the servers notice later.
   */
  kill(): Promise<void>;
}

export interface MultiNodeCluster extends DevCluster {
  /** The client nodes; `consulAddr`/`nomadAddr` of the cluster are the servers', which hold no task. */
  nodes: ClusterNode[];
}

/**
 * A production-shaped cluster on loopback addresses: one Consul server and one Nomad server on
 * 127.0.0.1, and per client node a Consul client agent and a Nomad client on 127.0.0.(n+1), the
 * Nomad client registering its services with its own Consul agent, as on a real cluster. Every
 * agent listens on free, non-default ports. Tasks advertise 127.0.0.1 (the loopback interface's
 * address), so each node gets its own range of dynamic ports to keep them apart.
 */
export async function startMultiNodeCluster(options: MultiNodeClusterOptions): Promise<MultiNodeCluster> {
  const count = options.nodes ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > 20) {
    throw new Error(`nodes must be a whole number from 1 to 20, got ${count}`);
  }
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "tagroll-cluster-")));
  await mkdir(dir, { recursive: true });
  const progress = options.progress ?? (() => {});
  const timeout = options.readyTimeoutMs ?? 60_000;
  const started: AgentProcess[] = [];
  const dataDirs: string[] = [];

  const { consul: consulPorts, nomad: nomadPorts } = await freeServerPorts();
  const { http: cHttp, dns: cDns, serfLan: cLan } = consulPorts;
  const { http: nHttp, rpc: nRpc, serf: nSerf } = nomadPorts;
  const consulAddr = `http://127.0.0.1:${cHttp}`;
  const nomadAddr = `http://127.0.0.1:${nHttp}`;
  const consulLog = join(dir, "consul-server.log");
  const nomadLog = join(dir, "nomad-server.log");
  const nodes: ClusterNode[] = [];

  const owner = await processId(process.pid);
  let recordFile: string | undefined;
  /** Every agent started so far, for the next run to stop should this process be killed. */
  const record = async () => {
    if (options.stateDir === undefined || owner === undefined) return;
    const agents = await agentIds(started);
    // Every data dir is below `dir`, which a leftover sweep removes whole.
    const removeDir = true;
    recordFile = await writeRunRecord(options.stateDir, { owner, dir, nomadData: dir, removeDir, agents });
  };

  const stop = async () => {
    if (started.length > 2) await stopAllJobs(nomadAddr, 20_000);
    for (const agent of [...started].reverse()) await agent.stop();
    // The agents' own helpers (nomad logmon) name the cluster only in their environment.
    await killProcessesUnder(dir);
    for (const data of dataDirs) {
      await killProcessesUnder(data);
      await unmountUnder(data);
      await rm(data, { recursive: true, force: true });
    }
    if (!options.keepLogs && !options.dir) await rm(dir, { recursive: true, force: true });
    if (recordFile !== undefined) await removeRunRecord(recordFile);
  };
  const marker = { [CLUSTER_MARKER]: dir };

  try {
    progress(`starting the consul server on ${consulAddr}`);
    const consul = AgentProcess.start(
      "consul-server",
      options.consulBin,
      consulDevArgs(consulPorts, [], "consul-server"),
      consulLog,
      marker,
    );
    started.push(consul);
    await record();
    await waitUntil(consul, timeout, async () => (await getJson(`${consulAddr}/v1/status/leader`)) !== "");

    const serverData = join(dir, "nomad-server-data");
    dataDirs.push(serverData);
    const serverConfig = join(dir, "nomad-server.hcl");
    await writeFile(
      serverConfig,
      nomadServerConfig({
        data: serverData,
        nHttp,
        nRpc,
        nSerf,
        cHttp,
        ...(options.eventBufferSize === undefined ? {} : { eventBufferSize: options.eventBufferSize }),
      }),
    );
    progress(`starting the nomad server on ${nomadAddr}`);
    const nomad = AgentProcess.start(
      "nomad-server",
      options.nomadBin,
      ["agent", "-config", serverConfig],
      nomadLog,
      marker,
    );
    started.push(nomad);
    await record();
    await waitUntil(nomad, timeout, async () => (await getJson(`${nomadAddr}/v1/status/leader`)) !== "");

    for (let i = 1; i <= count; i++) {
      const node = await startNode(i, {
        options,
        dir,
        cLan,
        nRpc,
        started,
        dataDirs,
        progress,
        timeout,
        marker,
      });
      nodes.push(node);
      await record();
    }
    await Promise.all(
      nodes.map(async (node, i) => {
        const agents = started.slice(2 + 2 * i, 4 + 2 * i);
        for (const agent of agents) {
          await waitUntil(agent, timeout, () => nodeReady(consulAddr, nomadAddr, node.name));
        }
      }),
    );
    progress(`${count} client node(s) ready: ${nodes.map((n) => `${n.name} on ${n.address}`).join(", ")}`);
    return { consulAddr, nomadAddr, consulDnsPort: cDns, dir, consulLog, nomadLog, nodes, stop };
  } catch (err) {
    const tails = await Promise.all(
      started.map(async (a) => `--- ${a.name} log (${a.logFile}) ---\n${await a.logTail()}`),
    );
    await stop();
    throw new Error(`${(err as Error).message}\n${tails.join("\n")}`, { cause: err });
  }
}

interface NodeContext {
  options: MultiNodeClusterOptions;
  dir: string;
  /** The Consul server's Serf LAN port, which client agents join. */
  cLan: number;
  /** The Nomad server's RPC port, which clients register with. */
  nRpc: number;
  started: AgentProcess[];
  dataDirs: string[];
  progress: (line: string) => void;
  timeout: number;
  /** CLUSTER_MARKER for the agents' environment. */
  marker: Record<string, string>;
}

async function startNode(index: number, ctx: NodeContext): Promise<ClusterNode> {
  const name = `node-${index}`;
  const address = `127.0.0.${index + 1}`;
  const [cHttp, cLan, nHttp, nRpc, nSerf] = (await freePorts(5)) as [number, number, number, number, number];
  const consulData = join(ctx.dir, `${name}-consul-data`);
  const nomadData = join(ctx.dir, `${name}-nomad-data`);
  ctx.dataDirs.push(consulData, nomadData);
  const consulLog = join(ctx.dir, `${name}-consul.log`);
  const nomadLog = join(ctx.dir, `${name}-nomad.log`);
  const consulAddr = `http://${address}:${cHttp}`;
  const nomadAddr = `http://${address}:${nHttp}`;

  ctx.progress(`starting ${name}: consul client on ${consulAddr}, nomad client on ${nomadAddr}`);
  const consul = AgentProcess.start(
    `${name}-consul`,
    ctx.options.consulBin,
    consulClientArgs({
      name,
      address,
      data: consulData,
      http: cHttp,
      serfLan: cLan,
      join: `127.0.0.1:${ctx.cLan}`,
    }),
    consulLog,
    ctx.marker,
  );
  ctx.started.push(consul);
  // Nomad fingerprints its Consul agent at start and only every 15 s after a miss; a node
  // fingerprinted without Consul is ineligible for any job with services until then.
  await waitUntil(consul, ctx.timeout, async () => (await getJson(`${consulAddr}/v1/status/leader`)) !== "");
  const config = join(ctx.dir, `${name}-nomad.hcl`);
  await writeFile(
    config,
    nomadClientConfig({
      name,
      address,
      data: nomadData,
      nHttp,
      nRpc,
      nSerf,
      consulHttp: cHttp,
      index,
      serverRpc: ctx.nRpc,
    }),
  );
  const nomad = AgentProcess.start(
    `${name}-nomad`,
    ctx.options.nomadBin,
    ["agent", "-config", config],
    nomadLog,
    ctx.marker,
  );
  ctx.started.push(nomad);

  return {
    name,
    address,
    consulAddr,
    nomadAddr,
    consulLog,
    nomadLog,
    running: () => consul.exitReason() === undefined && nomad.exitReason() === undefined,
    kill: async () => {
      await Promise.all([nomad.stop(0), consul.stop(0)]);
      await killProcessesUnder(nomadData);
    },
  };
}

/** The node's Consul agent is an alive member and its Nomad client is ready with raw_exec. */
async function nodeReady(consulAddr: string, nomadAddr: string, name: string): Promise<boolean> {
  const members = (await getJson(`${consulAddr}/v1/agent/members`)) as Array<{
    Name: string;
    Status: number;
  }>;
  if (!members.some((m) => m.Name === name && m.Status === 1)) return false;
  const nodes = (await getJson(`${nomadAddr}/v1/nodes`)) as Array<{
    ID: string;
    Name: string;
    Status: string;
    SchedulingEligibility: string;
  }>;
  const node = nodes.find((n) => n.Name === name);
  if (!node || node.Status !== "ready" || node.SchedulingEligibility !== "eligible") return false;
  const detail = (await getJson(`${nomadAddr}/v1/node/${node.ID}`)) as {
    Drivers?: Record<string, { Healthy?: boolean }>;
    Attributes?: Record<string, string>;
  };
  return detail.Drivers?.raw_exec?.Healthy === true && detail.Attributes?.["consul.version"] !== undefined;
}
