import type { Command } from "commander";
import { runChange, withChangeOptions, type ChangeOptions } from "../change-command.js";
import { withClient, withClientOptions } from "../client-options.js";
import { helpText } from "../exit-codes.js";
import { stdio } from "../output.js";

/** `tagroll restart <service>`: a health-gated rolling restart with the value unchanged. */
export function registerRestartCommand(program: Command): void {
  withChangeOptions(withClientOptions(program.command("restart <service>")))
    .description("restart every allocation of a service, a few at a time, health-gated (value unchanged)")
    .addHelpText(
      "after",
      helpText(["tagroll restart web", "tagroll restart web --wait --timeout 20m"], { remote: true }),
    )
    .action((service: string, options: ChangeOptions & Record<string, unknown>) =>
      withClient(options, (client) =>
        runChange(client, stdio, service, options, () => client.restart(service)),
      ),
    );
}
