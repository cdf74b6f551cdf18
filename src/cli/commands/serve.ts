import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { createLogger } from "../../core/logger.js";
import { startRuntime } from "../../runtime/runtime.js";
import { configFlags, withConfigOptions } from "../config-options.js";

/** `tagroll serve`: webhooks, admin API, status page, metrics, and the coordinator. */
export function registerServeCommand(program: Command): void {
  withConfigOptions(program.command("serve"))
    .description("serve webhooks and coordinate rollouts")
    .option("-p, --port <port>", "listen port (default 8080)")
    .option("--host <host>", "listen address (default 0.0.0.0)")
    .option("--public-url <url>", "base URL printed in webhook URLs")
    .option("--tls-cert <file>", "PEM certificate; HTTPS when set with --tls-key")
    .option("--tls-key <file>", "PEM private key")
    .option("--no-coordinator", "serve webhooks only; never coordinate rollouts")
    .addHelpText(
      "after",
      "\nExamples:\n  $ TAGROLL_SIGNING_KEYS=k1:$(openssl rand -base64 32) tagroll serve -c tagroll.yaml\n  $ tagroll serve --no-coordinator --port 9000",
    )
    .action(async (options: Record<string, unknown>) => {
      const config = loadConfig({ flags: configFlags(options) });
      const log = createLogger({ level: config.logLevel });
      const runtime = await startRuntime({ config, log });
      const stop = async (signal: string) => {
        log.info({ signal }, "shutting down");
        await runtime.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}
