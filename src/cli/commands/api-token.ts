import { userInfo } from "node:os";
import { InvalidArgumentError, Option, type Command } from "commander";
import { effectiveScopes } from "../../api/scopes.js";
import { loadConfig } from "../../config/load-config.js";
import { createAdminToken, SCOPES, type Scope } from "../../tokens/index.js";
import { configFlags, withConfigOptions } from "../config-options.js";
import { EXIT, helpText } from "../exit-codes.js";
import { stdio, toJson } from "../output.js";
import { parseTtl } from "../parse-ttl.js";

/**
 * `tagroll api-token create`: a bearer JWT for `/api/v1` and the CLI's remote mode, signed with
 * the configured keys. The token goes alone to stdout (so `$(…)` captures it), details to stderr.
 */
export function registerApiTokenCommand(program: Command): void {
  const apiToken = program.command("api-token").description("create bearer tokens for the admin API");
  withConfigOptions(apiToken.command("create"))
    .description("print an API token (JWT) with the given scopes; admin ⊃ deploy ⊃ read")
    .addOption(
      new Option("--scope <list>", `comma-separated: ${SCOPES.join(", ")}`)
        .default(["read"], "read")
        .argParser(parseScopes),
    )
    .addOption(
      new Option("--ttl <duration>", "lifetime, e.g. 12h or 30d")
        .default(30 * 86_400_000, "30d")
        .argParser((t) => parseTtl(t, "--ttl")),
    )
    .option("--subject <name>", "who the token is for (shown in history as api:<subject>)")
    .option("--json", "print {token, jti, subject, scopes, expiresAt} as JSON")
    .addHelpText(
      "after",
      helpText([
        "tagroll api-token create --scope read --subject grafana",
        "export TAGROLL_API_TOKEN=$(tagroll api-token create --scope deploy --ttl 12h --subject ci)",
        "tagroll token revoke <jti>    # API tokens are revoked by jti like webhook tokens",
      ]),
    )
    .action(async (options: Record<string, unknown>) => {
      const config = loadConfig({ flags: configFlags(options) });
      const scopes = options["scope"] as Scope[];
      const subject =
        typeof options["subject"] === "string" ? options["subject"] : `cli:${userInfo().username}`;
      const issued = await createAdminToken(config.keys, config.activeKeyId, {
        subject,
        scopes,
        expiresIn: Math.ceil((options["ttl"] as number) / 1000),
      });
      const expiresAt = issued.expiresAt.toISOString();
      if (options["json"]) {
        stdio.out(toJson({ token: issued.token, jti: issued.jti, subject, scopes, expiresAt }));
      } else {
        stdio.out(issued.token);
        stdio.err(
          `API token for ${subject}: scopes ${effectiveScopes(scopes).join(", ")}; expires ${expiresAt}; jti ${issued.jti}`,
        );
      }
      process.exitCode = EXIT.ok;
    });
}

function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `scopes must be some of ${SCOPES.join(", ")}${unknown.length ? `; not ${unknown.join(", ")}` : ""}`,
    );
  }
  return scopes as Scope[];
}
