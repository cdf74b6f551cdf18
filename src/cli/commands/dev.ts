import type { Command } from "commander";
import { startDevCluster } from "../../agents/dev-cluster.js";
import { CONSUL_PIN, NOMAD_PIN } from "../../agents/pins.js";
import { resolveBinary } from "../../agents/resolve-binary.js";
import { registerDemoJob } from "../../demo/demo-job.js";

/** `tagroll dev`: local Consul + Nomad, the demo job, and (later) tagroll itself. Ctrl-C stops it all. */
export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description("run local Consul and Nomad dev agents with a 3-instance demo job")
    .addHelpText("after", "\nExample:\n  $ tagroll dev\n  then: consul kv put configs/demo/IMAGE_TAG v2")
    .action(async () => {
      const log = (line: string) => console.log(`[dev] ${line}`);
      const consul = await resolveBinary(CONSUL_PIN, { progress: log });
      const nomad = await resolveBinary(NOMAD_PIN, { progress: log });
      const cluster = await startDevCluster({ consulBin: consul.path, nomadBin: nomad.path, progress: log });
      const shutdown = async () => {
        log("stopping agents");
        await cluster.stop();
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown());
      process.once("SIGTERM", () => void shutdown());
      await fetch(`${cluster.consulAddr}/v1/kv/configs/demo/IMAGE_TAG`, { method: "PUT", body: "v1" });
      await registerDemoJob(cluster.nomadAddr, {});
      log(`Consul: ${cluster.consulAddr}   Nomad: ${cluster.nomadAddr}`);
      log(
        `demo job registered; try: CONSUL_HTTP_ADDR=${cluster.consulAddr} consul kv put configs/demo/IMAGE_TAG v2`,
      );
      log("press Ctrl-C to stop");
    });
}
