import type { Command } from "commander";
import { CONSUL_PIN, NOMAD_PIN } from "../../agents/pins.js";
import { resolveBinary } from "../../agents/resolve-binary.js";

/** `tagroll agents install`: find or build the pinned Consul and Nomad (what CI runs first). */
export function registerAgentsCommand(program: Command): void {
  const agents = program
    .command("agents")
    .description("manage the local Consul and Nomad binaries used by dev and tests");
  agents
    .command("install")
    .description("find or build the pinned Consul and Nomad binaries (cached outside the repository)")
    .addHelpText(
      "after",
      "\nExample:\n  $ tagroll agents install\n  CONSUL_BIN=/usr/bin/consul tagroll agents install",
    )
    .action(async () => {
      for (const pin of [CONSUL_PIN, NOMAD_PIN]) {
        console.log(`${pin.name}: pinned ${pin.module}@${pin.moduleVersion} (${pin.licence})`);
        const started = Date.now();
        const found = await resolveBinary(pin, { progress: (line) => console.log(line) });
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        console.log(`${pin.name} ${found.version}: ${found.path} (${found.from}, ${secs}s)`);
      }
    });
}
