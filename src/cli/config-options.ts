import { Option, type Command } from "commander";
import type { ConfigFlags } from "../config/config-flags.js";

/** The flags every command that reads the configuration accepts (they beat env and file). */
export function withConfigOptions(command: Command): Command {
  return command
    .addOption(new Option("-c, --config <file>", "configuration file (YAML or JSON)").env("TAGROLL_CONFIG"))
    .option("--consul-addr <url>", "Consul HTTP address (default $CONSUL_HTTP_ADDR)")
    .option("--nomad-addr <url>", "Nomad HTTP address (default $NOMAD_ADDR)")
    .option("--log-level <level>", "fatal, error, warn, info, debug or trace");
}

/** Picks the config flags out of commander's parsed options. */
export function configFlags(options: Record<string, unknown>): ConfigFlags {
  const flags: ConfigFlags = {};
  for (const name of [
    "config",
    "port",
    "host",
    "publicUrl",
    "logLevel",
    "consulAddr",
    "nomadAddr",
    "tlsCert",
    "tlsKey",
  ] as const) {
    const value = options[name];
    if (typeof value === "string" || typeof value === "number") flags[name] = value as never;
  }
  if (options.coordinator === false) flags.coordinator = false;
  return flags;
}
