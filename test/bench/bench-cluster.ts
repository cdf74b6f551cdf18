import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { startDevCluster, type DevCluster } from "../../src/agents/dev-cluster.js";
import { startMultiNodeCluster } from "../../src/agents/multi-node-cluster.js";
import { CONSUL_PIN, NOMAD_PIN } from "../../src/agents/pins.js";
import { resolveBinary } from "../../src/agents/resolve-binary.js";
import { runStateDir } from "../../src/agents/run-records.js";

export interface BenchCluster extends DevCluster {
  consulBin: string;
  nomadBin: string;
  consulVersion: string;
  nomadVersion: string;
  /** Where this benchmark keeps its logs (agents, tagroll, HAProxy). */
  artifacts: string;
}

/**
 * Private Consul + Nomad dev agents for one benchmark (not the test globalSetup's), so a
 * benchmark never shares an agent with the integration tests or with another benchmark — the
 * scale benchmark in particular opens enough connections to crowd out anything else on the agent.
 */
export async function startBenchCluster(
  name: string,
  say: (line: string) => void,
  options: { nodes?: number } = {},
): Promise<BenchCluster> {
  const consul = await resolveBinary(CONSUL_PIN, { progress: say });
  const nomad = await resolveBinary(NOMAD_PIN, { progress: say });
  const artifacts = join(process.cwd(), "test-artifacts", "bench", `${name}-${Date.now()}`);
  await mkdir(artifacts, { recursive: true });
  const agents = {
    consulBin: consul.path,
    nomadBin: nomad.path,
    dir: artifacts,
    keepLogs: true,
    progress: say,
    // run.ts stops what is recorded here on Ctrl-C: the agents do not get the terminal's signal.
    stateDir: runStateDir("bench"),
  };
  // `nodes`: the multi-node loopback cluster (src/agents/multi-node-cluster.ts) instead of one dev node.
  const cluster =
    options.nodes === undefined
      ? await startDevCluster(agents)
      : await startMultiNodeCluster({ ...agents, nodes: options.nodes });
  return {
    ...cluster,
    consulBin: consul.path,
    nomadBin: nomad.path,
    consulVersion: consul.version,
    nomadVersion: nomad.version,
    artifacts,
  };
}

/** Runs `body` against a fresh cluster and always stops the agents afterwards. */
export async function withBenchCluster<T>(
  name: string,
  say: (line: string) => void,
  body: (cluster: BenchCluster) => Promise<T>,
  options: { nodes?: number } = {},
): Promise<T> {
  const cluster = await startBenchCluster(name, say, options);
  say(`agents up: consul ${cluster.consulAddr}, nomad ${cluster.nomadAddr}, logs ${cluster.artifacts}`);
  try {
    return await body(cluster);
  } finally {
    await cluster.stop();
  }
}
