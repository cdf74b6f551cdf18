import type { Command } from "commander";
import { withClient, withClientOptions } from "../client-options.js";
import { EXIT, helpText } from "../exit-codes.js";
import { formatStatus } from "../format-status.js";
import { stdio, toJson, withNotice } from "../output.js";

/** `tagroll status [service]`: desired value, allocations and rollout of every service, or of one. */
export function registerStatusCommand(program: Command): void {
  withClientOptions(program.command("status [service]"))
    .description("show each service's desired value, its allocations and the current or last rollout")
    .option("--json", "print the report as JSON (the API's GET /api/v1/services)")
    .addHelpText(
      "after",
      helpText(
        [
          "tagroll status",
          "tagroll status web            # one service, allocation by allocation",
          "tagroll status --json | jq '.services[] | {service, desired}'",
          "TAGROLL_SERVER=https://tagroll.example.com TAGROLL_API_TOKEN=... tagroll status",
        ],
        { remote: true },
      ),
    )
    .action((service: string | undefined, options: Record<string, unknown>) =>
      withClient(options, async (client) => {
        const report = await withNotice(stdio, "asking Consul and Nomad…", client.status(service));
        stdio.out(
          options["json"] ? toJson(report) : formatStatus(report, { allocations: service !== undefined }),
        );
        return EXIT.ok;
      }),
    );
}
