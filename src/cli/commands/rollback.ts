import type { Command } from "commander";
import { runChange, withChangeOptions, type ChangeOptions } from "../change-command.js";
import { withClient, withClientOptions } from "../client-options.js";
import { helpText } from "../exit-codes.js";
import { stdio } from "../output.js";

/** `tagroll rollback <service>`: deploys the value the service ran before, from its history. */
export function registerRollbackCommand(program: Command): void {
  withChangeOptions(withClientOptions(program.command("rollback <service>")))
    .description("deploy the value the service ran before the current one (from its history)")
    .addHelpText(
      "after",
      helpText(["tagroll history web   # see what it would go back to", "tagroll rollback web --wait"], {
        remote: true,
      }),
    )
    .action((service: string, options: ChangeOptions & Record<string, unknown>) =>
      withClient(options, (client) =>
        runChange(client, stdio, service, options, () => client.rollback(service)),
      ),
    );
}
