import { InvalidArgumentError, Option, type Command } from "commander";
import { withClient, withClientOptions } from "../client-options.js";
import { EXIT, helpText } from "../exit-codes.js";
import { formatHistory } from "../format-history.js";
import { stdio, toJson, withNotice } from "../output.js";

/** `tagroll history <service>`: pushes, operator changes, rollouts and reverts, newest first. */
export function registerHistoryCommand(program: Command): void {
  withClientOptions(program.command("history <service>"))
    .description("show a service's history (pushes, deploys, rollouts, reverts), newest first")
    .addOption(new Option("-n, --limit <n>", "show at most n entries").default(20).argParser(positiveInt))
    .option("--json", "print {service, entries} as JSON")
    .addHelpText(
      "after",
      helpText(["tagroll history web", "tagroll history web --limit 5 --json | jq '.entries[0]'"], {
        remote: true,
      }),
    )
    .action((service: string, options: Record<string, unknown>) =>
      withClient(options, async (client) => {
        const limit = options["limit"] as number;
        const report = await withNotice(
          stdio,
          "reading history from Consul…",
          client.history(service, limit),
        );
        stdio.out(options["json"] ? toJson(report) : formatHistory(report));
        return EXIT.ok;
      }),
    );
}

function positiveInt(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}
