import type { Command } from "commander";
import { startDevCluster } from "../../agents/dev-cluster.js";
import { CONSUL_PIN, NOMAD_PIN } from "../../agents/pins.js";
import { resolveBinary } from "../../agents/resolve-binary.js";
import { systemClock } from "../../core/clock.js";
import { createLogger } from "../../core/logger.js";
import { observeAll } from "../../coordinator/index.js";
import { registerDemoJob } from "../../demo/demo-job.js";
import { devConfig, dockerHubCurl } from "../../dev/dev-config.js";
import { startRuntime } from "../../runtime/runtime.js";
import { createAdminToken, issueWebhookToken, TokenRegistry } from "../../tokens/index.js";
import { formatEvent } from "../format-event.js";

/**
 * `tagroll dev`, the embedded default: local Consul + Nomad dev agents, the 3-instance demo job,
 * and tagroll serving against them, with a ready-to-paste curl. Ctrl-C stops everything.
 */
export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description("run local Consul + Nomad, a 3-instance demo job and tagroll against them")
    .option("-p, --port <port>", "port for tagroll's webhooks and status page", "8080")
    .addHelpText(
      "after",
      "\nExample:\n  $ tagroll dev\n  then paste the printed curl, or: consul kv put configs/demo/IMAGE_TAG v3",
    )
    .action(async (options: { port: string }) => {
      const say = (line: string) => console.log(`[dev] ${line}`);
      const consul = await resolveBinary(CONSUL_PIN, { progress: say });
      const nomad = await resolveBinary(NOMAD_PIN, { progress: say });
      const cluster = await startDevCluster({ consulBin: consul.path, nomadBin: nomad.path, progress: say });
      let runtime: Awaited<ReturnType<typeof startRuntime>> | undefined;
      let stopping = false;
      const shutdown = async (code: number) => {
        if (stopping) return;
        stopping = true;
        say("stopping tagroll, Nomad and Consul");
        await runtime?.close().catch(() => undefined);
        await cluster.stop();
        process.exit(code);
      };
      process.once("SIGINT", () => void shutdown(0));
      process.once("SIGTERM", () => void shutdown(0));
      try {
        await fetch(`${cluster.consulAddr}/v1/kv/configs/demo/IMAGE_TAG`, { method: "PUT", body: "v1" });
        await registerDemoJob(cluster.nomadAddr, {});
        say("demo job registered (3 allocations of deploy/demo/app.mjs serving IMAGE_TAG=v1)");

        const config = devConfig({
          consulAddr: cluster.consulAddr,
          nomadAddr: cluster.nomadAddr,
          port: Number(options.port),
        });
        runtime = await startRuntime({
          config,
          log: createLogger({ level: config.logLevel }),
          observers: [observeAll((event) => say(formatEvent(event)))],
        });
        say("waiting for the 3 demo allocations to pass their health checks");
        await waitForPassing(() => runtime!.health.passingInstances("demo"), 3, 120_000);
        const { token } = await issueWebhookToken({
          keys: config.keys,
          activeKid: config.activeKeyId,
          service: "demo",
          clock: systemClock,
          registry: new TokenRegistry(runtime.kv),
        });
        const hookUrl = `${runtime.url}/hooks/${token}`;
        say(`Consul ${cluster.consulAddr}   Nomad ${cluster.nomadAddr}   tagroll ${runtime.url}`);
        const { token: readToken } = await createAdminToken(config.keys, config.activeKeyId, {
          subject: "dev",
          scopes: ["read"],
          expiresIn: 7 * 24 * 3600,
        });
        say(`status page (read-only token in the URL fragment): ${runtime.url}/#token=${readToken}`);
        say("simulate a Docker Hub push of tagroll/demo:v2 (paste this in another terminal):");
        console.log(`\n  ${dockerHubCurl(hookUrl, "v2")}\n`);
        say(
          `or edit the key by hand: CONSUL_HTTP_ADDR=${cluster.consulAddr} consul kv put configs/demo/IMAGE_TAG v3`,
        );
        say("a tag containing 'broken' fails its health check and is reverted; Ctrl-C stops everything");
      } catch (err) {
        console.error(`[dev] ${(err as Error).message}`);
        await shutdown(1);
      }
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
