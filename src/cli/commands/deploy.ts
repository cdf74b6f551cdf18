import type { Command } from "commander";
import { runChange, withChangeOptions, type ChangeOptions } from "../change-command.js";
import { withClient, withClientOptions } from "../client-options.js";
import { helpText } from "../exit-codes.js";
import { stdio } from "../output.js";

/** `tagroll deploy <service> <tag>`: writes the desired value; the leader rolls it out. */
export function registerDeployCommand(program: Command): void {
  withChangeOptions(withClientOptions(program.command("deploy <service> <tag>")))
    .option("--now", "start outside the deploy window (admin scope); counts as your approval")
    .description(
      "set a service's desired tag; the leader rolls it out, health-gated, a few allocations at a time",
    )
    .addHelpText(
      "after",
      helpText(
        [
          "tagroll deploy web release-20260103",
          "tagroll deploy web v2.4.1 --wait            # live progress; exit 2 if reverted",
          "tagroll deploy web v2.4.1 --wait --json > result.json",
          "tagroll deploy web v2.4.1 --now             # skip the deploy window (admin)",
        ],
        { remote: true },
      ),
    )
    .action((service: string, tag: string, options: ChangeOptions & Record<string, unknown>) =>
      withClient(options, (client) =>
        runChange(client, stdio, service, options, () =>
          client.deploy(service, tag, options["now"] === true ? { now: true } : {}),
        ),
      ),
    );
}
