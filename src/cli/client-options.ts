import { Option, type Command } from "commander";
import type { AdminClient } from "../api/admin-client.js";
import { loadConfig } from "../config/load-config.js";
import { createLogger } from "../core/logger.js";
import { configFlags, withConfigOptions } from "./config-options.js";
import { openLocalClient } from "./local-client.js";
import { RemoteClient } from "./remote-client.js";

/**
 * Config flags (local mode) plus `--server`/`--token` (remote mode). The two environment
 * variables are read by commander at parse time, as `--config` reads TAGROLL_CONFIG: the command
 * entry hands them over, nothing deeper reads the environment.
 */
export function withClientOptions(command: Command): Command {
  return withConfigOptions(command)
    .addOption(new Option("--server <url>", "talk to a running tagroll at this URL").env("TAGROLL_SERVER"))
    .addOption(new Option("--token <jwt>", "API token for --server").env("TAGROLL_API_TOKEN"));
}

/** The remote client when --server is given, else the local one built from the configuration. */
export function openClient(options: Record<string, unknown>): AdminClient {
  const server = options["server"];
  if (typeof server === "string" && server !== "") {
    const token = options["token"];
    if (typeof token !== "string" || token === "") {
      throw new Error("--server needs an API token: --token or TAGROLL_API_TOKEN (tagroll api-token create)");
    }
    return new RemoteClient({ server, token });
  }
  const config = loadConfig({ flags: configFlags(options), requireSigningKeys: false });
  // Library logs would interleave with tables on stdout: warnings only, on stderr, unless asked.
  const level = typeof options["logLevel"] === "string" ? options["logLevel"] : "warn";
  return openLocalClient(config, createLogger({ level, destination: process.stderr }));
}

/** Opens the client, runs `body`, closes the client (even on error) and sets the exit code. */
export async function withClient(
  options: Record<string, unknown>,
  body: (client: AdminClient) => Promise<number>,
): Promise<void> {
  const client = openClient(options);
  try {
    process.exitCode = await body(client);
  } finally {
    await client.close();
  }
}
