import type { Command } from "commander";
import { withClient, withClientOptions } from "../client-options.js";
import { EXIT, helpText } from "../exit-codes.js";
import { stdio, toJson } from "../output.js";

/**
 * `tagroll approve <service>` and `tagroll reject <service>` (README, "Approvals"): act on the
 * value the service's gate holds. Remotely the approver is the API token's subject (scope
 * `approve`); locally it is `cli:<user>`.
 */
export function registerApproveCommands(program: Command): void {
  withClientOptions(program.command("approve <service>"))
    .description("approve the value waiting for approval; it rolls out once enough distinct approvers agree")
    .option("--value <tag>", "approve only if this is the value waiting (default: whatever waits)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      helpText(
        ["tagroll status web      # what waits, and its approvals", "tagroll approve web --value v2.4.1"],
        {
          remote: true,
        },
      ),
    )
    .action((service: string, options: Record<string, unknown>) =>
      withClient(options, async (client) => {
        const result = await client.approve(service, optionalString(options["value"]));
        const count = `${result.approvals.length}/${result.required}`;
        const next = result.approved
          ? "approved: the leader starts it (or schedules it for the next window)"
          : "needs more approvals";
        stdio.out(
          options["json"] ? toJson(result) : `${service}: ${result.value} approved (${count}); ${next}`,
        );
        return EXIT.ok;
      }),
    );

  withClientOptions(program.command("reject <service>"))
    .description("reject the waiting value; the key goes back to the value the service runs")
    .option("--value <tag>", "reject only if this is the value waiting (default: whatever waits)")
    .option("--reason <text>", "why; kept in the service's history")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      helpText(['tagroll reject web --value v2.4.1 --reason "breaks checkout"'], { remote: true }),
    )
    .action((service: string, options: Record<string, unknown>) =>
      withClient(options, async (client) => {
        const value = optionalString(options["value"]);
        const reason = optionalString(options["reason"]);
        const result = await client.reject(service, {
          ...(value !== undefined && { value }),
          ...(reason !== undefined && { reason }),
        });
        stdio.out(
          options["json"] ? toJson(result) : `${service}: ${result.value} rejected by ${result.rejectedBy}`,
        );
        return EXIT.ok;
      }),
    );
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
