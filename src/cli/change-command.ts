import { Option, type Command } from "commander";
import type { AdminClient, DeployResult, RestartResult } from "../api/admin-client.js";
import { EXIT } from "./exit-codes.js";
import { formatEvent } from "./format-event.js";
import { toJson, withNotice, type Output } from "./output.js";
import { parseTtl } from "./parse-ttl.js";
import { rolloutExitCode, waitForRollout } from "./wait-rollout.js";

/** `--wait`, `--timeout` and `--json`, shared by deploy, rollback and restart. */
export function withChangeOptions(command: Command): Command {
  return command
    .option("-w, --wait", "follow the rollout allocation by allocation until it ends")
    .addOption(
      new Option("--timeout <duration>", "with --wait: stop waiting after this long (the rollout goes on)")
        .default(3_600_000, "1h")
        .argParser((text) => parseTtl(text, "--timeout")),
    )
    .option("--json", "print the result (and with --wait the final rollout event) as JSON");
}

export interface ChangeOptions {
  wait?: boolean;
  timeout: number;
  json?: boolean;
}

/**
 * Runs a change (deploy, rollback, restart), says what it did, and with --wait follows the
 * rollout it starts. Resolves the exit code.
 */
export async function runChange(
  client: AdminClient,
  out: Output,
  service: string,
  options: ChangeOptions,
  change: () => Promise<DeployResult | RestartResult>,
): Promise<number> {
  const result = await withNotice(out, `${service}: writing to Consul…`, change());
  const startsRollout = !("changed" in result) || result.changed;
  if (!options.json) out.out(describe(result));
  if (!options.wait || !startsRollout) {
    if (options.json) out.out(toJson(result));
    else if (startsRollout) out.out(`follow it with: tagroll status ${service}  (or pass --wait)`);
    return EXIT.ok;
  }
  const finished = await waitForRollout(client, service, out, {
    timeoutMs: options.timeout,
    ...(result.rolloutBefore !== undefined && { after: result.rolloutBefore }),
  });
  out.out(options.json ? toJson({ ...result, rollout: finished }) : formatEvent(finished));
  return rolloutExitCode(finished);
}

function describe(result: DeployResult | RestartResult): string {
  if (!("changed" in result))
    return `${result.service}: rolling restart requested (request ${result.requestId})`;
  if (!result.changed)
    return `${result.service}: ${result.key} is already ${result.value}; nothing to roll out`;
  return `${result.service}: ${result.key} ${result.previous ?? "(unset)"} → ${result.value}`;
}
