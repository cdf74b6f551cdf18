import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { systemClock } from "../../core/clock.js";
import { NotFoundError } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import { ConsulKvStore } from "../../kv/consul-kv-store.js";
import { RegistryPruner, type PruneResult } from "../../prune/registry-pruner.js";
import { RegistryPool } from "../../supply-chain/registry-pool.js";
import { NO_SUPPLY_CHAIN_OBSERVER } from "../../supply-chain/supply-chain-observer.js";
import { configFlags, withConfigOptions } from "../config-options.js";
import { EXIT, helpText } from "../exit-codes.js";
import { stdio, toJson } from "../output.js";

/** `tagroll prune <service>`: delete a service's old tags from its registry (README, "Pruning"). */
export function registerPruneCommand(program: Command): void {
  withConfigOptions(program.command("prune <service>"))
    .description("delete all but the newest tags of a service's image (its prune settings) from the registry")
    .option("--dry-run", "only show what would be deleted")
    .option("--json", "print the result as JSON")
    .addHelpText("after", helpText(["tagroll prune web --dry-run", "tagroll prune web"]))
    .action(async (name: string, options: Record<string, unknown>) => {
      const config = loadConfig({ flags: configFlags(options), requireSigningKeys: false });
      const service = config.services.find((s) => s.name === name);
      if (!service) throw new NotFoundError(`no service named ${name} in the configuration`);
      const log = createLogger({ level: "warn", destination: process.stderr });
      const kv = new ConsulKvStore(config.consul);
      const pool = new RegistryPool({ registries: config.registries ?? [], clock: systemClock, log });
      try {
        const pruner = new RegistryPruner({ pool, kv, log, observer: NO_SUPPLY_CHAIN_OBSERVER });
        const result = await pruner.prune(service, { dryRun: options["dryRun"] === true });
        stdio.out(options["json"] ? toJson(result) : formatPrune(name, result));
        process.exitCode =
          result.status === "refused" || (result.failed?.length ?? 0) > 0 ? EXIT.error : EXIT.ok;
      } finally {
        kv.close();
        await pool.close();
      }
    });
}

export function formatPrune(service: string, result: PruneResult): string {
  if (result.status === "refused") return `${service}: nothing deleted: ${result.reason}`;
  const lines = [
    `${service}: keeping ${result.plan.keep.length} tags: ${result.plan.keep.join(", ") || "none"}`,
  ];
  const gone = result.plan.delete.flatMap((d) => d.tags.map((t) => `  ${t}  ${d.digest}`));
  if (result.status === "dry-run") {
    lines.push(gone.length ? `would delete ${gone.length}:` : "nothing to delete", ...gone);
  } else {
    lines.push(
      `deleted ${result.deleted.length}${result.deleted.length ? `: ${result.deleted.join(", ")}` : ""}`,
    );
    if (result.failed.length) lines.push(`failed ${result.failed.length}: ${result.failed.join(", ")}`);
  }
  return lines.join("\n");
}
