import { createServer } from "node:net";
import type { Command } from "commander";
import { startDevCluster, type DevCluster } from "../../agents/dev-cluster.js";
import { startMultiNodeCluster, type MultiNodeCluster } from "../../agents/multi-node-cluster.js";
import { CONSUL_PIN, NOMAD_PIN } from "../../agents/pins.js";
import { resolveBinary } from "../../agents/resolve-binary.js";
import { processId, runStateDir, stopLeftovers } from "../../agents/run-records.js";
import { systemClock } from "../../core/clock.js";
import { createLogger } from "../../core/logger.js";
import { observeAll } from "../../coordinator/index.js";
import { registerDemoJob } from "../../demo/demo-job.js";
import { consulKvPutHint, devConfig, dockerHubCurl } from "../../dev/dev-config.js";
import { DevOutput } from "../../dev/dev-output.js";
import { startRuntime, type Runtime } from "../../runtime/runtime.js";
import { createAdminToken, issueWebhookToken, TokenRegistry } from "../../tokens/index.js";
import { formatEvent } from "../format-event.js";

/** Each stops everything `tagroll dev` started: Ctrl-C, `kill`, a closed terminal or SSH session. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const WEEK_S = 7 * 24 * 3600;

/**
 * `tagroll dev`, the embedded default: local Consul + Nomad dev agents, the 3-instance demo job,
 * and tagroll serving against them, with a ready-to-paste curl and the environment for the CLI.
 * Ctrl-C (or SIGTERM, SIGHUP) stops everything; what a run killed outright left behind is
 * stopped by the next one (its agents are recorded under `~/.local/state/tagroll/dev/`).
 */
export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description("run local Consul + Nomad, a 3-instance demo job and tagroll against them")
    .option("-p, --port <port>", "port for tagroll's webhooks and status page (0: any free port)", "8080")
    .option("--log-level <level>", "tagroll's log level: fatal, error, warn, info, debug or trace", "warn")
    .option(
      "--nodes <n>",
      "client nodes: 1 runs one dev agent of each; 2 or more run a Consul and a Nomad server plus, per node, " +
        "a Consul client agent and a Nomad client on 127.0.0.2, 127.0.0.3, … (as a real cluster would)",
      "1",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  $ tagroll dev\n  then paste the printed curl, or the printed export line and: tagroll status\n" +
        "  $ tagroll dev --nodes 3     the demo job spread over three client nodes",
    )
    .action(async (options: { port: string; logLevel: string; nodes: string }) => {
      const nodes = Number(options.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 20) {
        console.error(`tagroll dev: --nodes must be a whole number from 1 to 20, got ${options.nodes}`);
        process.exitCode = 1;
        return;
      }
      const requestedPort = Number(options.port);
      if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
        console.error(`tagroll dev: --port must be a port number from 0 to 65535, got ${options.port}`);
        process.exitCode = 1;
        return;
      }
      // Held from before the agents start until tagroll listens: a taken port fails before anything
      // runs, and nothing else on the machine takes it meanwhile (--port 0 picks a free one).
      const reserved = await reservePort(requestedPort);
      if (typeof reserved === "string") {
        console.error(
          `tagroll dev: 127.0.0.1:${requestedPort} is in use (${reserved}); pass --port with another port, or --port 0 for any free one`,
        );
        process.exitCode = 1;
        return;
      }
      const out = new DevOutput();
      const say = (line: string) => out.say(line);
      const stateDir = runStateDir("dev");
      const me = await processId(process.pid);
      let cluster: DevCluster | undefined;
      let runtime: Runtime | undefined;
      let stopping = false;
      const shutdown = async (code: number) => {
        if (stopping) return;
        stopping = true;
        say("stopping tagroll, Nomad and Consul");
        await reserved.release();
        await runtime?.close().catch(() => undefined);
        if (cluster) await cluster.stop();
        // A signal during start-up: the agents started so far are recorded as this process's.
        else if (me) await stopLeftovers(stateDir, { owner: me });
        process.exit(code);
      };
      for (const signal of STOP_SIGNALS) process.on(signal, () => void shutdown(0));

      try {
        const stale = await stopLeftovers(stateDir, { progress: say });
        if (stale > 0) say(`stopped ${stale} cluster(s) an earlier tagroll dev left running`);
        const consul = await resolveBinary(CONSUL_PIN, { progress: say });
        const nomad = await resolveBinary(NOMAD_PIN, { progress: say });
        const agents = { consulBin: consul.path, nomadBin: nomad.path, progress: say, stateDir };
        cluster =
          nodes === 1 ? await startDevCluster(agents) : await startMultiNodeCluster({ ...agents, nodes });
        await fetch(`${cluster.consulAddr}/v1/kv/configs/demo/IMAGE_TAG`, { method: "PUT", body: "v1" });
        await registerDemoJob(cluster.nomadAddr, {});
        say("demo job registered (3 allocations of deploy/demo/app.mjs serving IMAGE_TAG=v1)");

        const config = devConfig({
          consulAddr: cluster.consulAddr,
          nomadAddr: cluster.nomadAddr,
          port: reserved.port,
          logLevel: options.logLevel,
        });
        await reserved.release();
        runtime = await startRuntime({
          config,
          log: createLogger({ level: config.logLevel, destination: out.logDestination() }),
          observers: [observeAll((event) => say(formatEvent(event)))],
        });
        say("waiting for the 3 demo allocations to pass their health checks");
        const health = runtime.health;
        await waitForPassing(() => health.passingInstances("demo"), 3, 120_000);
        const { token } = await issueWebhookToken({
          keys: config.keys,
          activeKid: config.activeKeyId,
          service: "demo",
          clock: systemClock,
          registry: new TokenRegistry(runtime.kv),
        });
        const hookUrl = `${runtime.url}/hooks/${token}`;
        say(`Consul ${cluster.consulAddr}   Nomad ${cluster.nomadAddr}   tagroll ${runtime.url}`);
        if ("nodes" in cluster) say(nodesLine(cluster as MultiNodeCluster));
        const apiToken = (scopes: Array<"read" | "deploy">) =>
          createAdminToken(config.keys, config.activeKeyId, { subject: "dev", scopes, expiresIn: WEEK_S });
        const { token: readToken } = await apiToken(["read"]);
        say(`status page (read-only token in the URL fragment): ${runtime.url}/#token=${readToken}`);
        say("simulate a Docker Hub push of tagroll/demo:v2 (paste this in another terminal):");
        out.line(`\n  ${dockerHubCurl(hookUrl, "v2")}\n`);
        // The signing key lives as long as this run, and so does this token (read + deploy scopes).
        const { token: cliToken } = await apiToken(["read", "deploy"]);
        say("or point the CLI at this tagroll (status, deploy --wait, rollback, restart, history):");
        out.line(`\n  export TAGROLL_SERVER=${runtime.url} TAGROLL_API_TOKEN=${cliToken}\n`);
        say("or edit the key by hand:");
        out.line(`\n  ${consulKvPutHint(consul.path, cluster.consulAddr, "configs/demo/IMAGE_TAG", "v3")}\n`);
        say("a tag containing 'broken' fails its health check and is reverted; Ctrl-C stops everything");
      } catch (err) {
        out.error((err as Error).message);
        await shutdown(1);
      }
    });
}

/**
 * Listens on 127.0.0.1:`port` (0: a free port) and keeps it until `release`, or says why it
 * cannot (`EADDRINUSE`, …).
 */
function reservePort(port: number): Promise<{ port: number; release(): Promise<void> } | string> {
  return new Promise((resolve) => {
    const holder = createServer();
    holder.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    holder.listen(port, "127.0.0.1", () => {
      const address = holder.address();
      const held = typeof address === "object" && address ? address.port : port;
      const release = () =>
        new Promise<void>((done) => (holder.listening ? holder.close(() => done()) : done()));
      resolve({ port: held, release });
    });
  });
}

/** Waits until `count` instances pass their checks, so the printed curl meets a settled job. */
async function waitForPassing(
  passing: () => Promise<unknown[]>,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await passing().catch(() => [])).length < count) {
    if (Date.now() > deadline)
      throw new Error(`the demo job did not get ${count} healthy allocations in time`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `nodes: node-1 127.0.0.2 (Consul …, Nomad …), …`, for a multi-node dev cluster. */
function nodesLine(cluster: MultiNodeCluster): string {
  const nodes = cluster.nodes.map((n) => `${n.name} (Consul ${n.consulAddr}, Nomad ${n.nomadAddr})`);
  return `client nodes: ${nodes.join(", ")}; tagroll talks to the servers' agents`;
}
