import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import type { TagrollConfig } from "../../config/types.js";
import { systemClock } from "../../core/clock.js";
import { ConsulKvStore } from "../../kv/consul-kv-store.js";
import { issueWebhookToken, RevocationStore, TokenRegistry } from "../../tokens/index.js";
import { configFlags, withConfigOptions } from "../config-options.js";

/**
 * `tagroll token create|revoke|list`: per-service webhook URLs (README, "Security model"). The
 * token is printed once, by `create`, and never again: the registry under `tagroll/tokens/`
 * holds only its id, service, key id and issue time.
 */
export function registerTokenCommand(program: Command): void {
  const token = program.command("token").description("create, revoke and list per-service webhook URLs");

  withConfigOptions(token.command("create <service>"))
    .description("create a webhook token for a service and print its URL")
    .option("--public-url <url>", "base URL of tagroll as registries reach it")
    .option("--json", "print {url, jti, service, kid} as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  $ tagroll token create web\n  $ tagroll token create web --public-url https://tagroll.example.com --json",
    )
    .action((service: string, options: Record<string, unknown>) =>
      withStore(loadConfig({ flags: configFlags(options) }), async (config, kv) => {
        requireService(config, service);
        const registry = new TokenRegistry(kv);
        const issued = await issueWebhookToken({
          keys: config.keys,
          activeKid: config.activeKeyId,
          service,
          clock: systemClock,
          registry,
        });
        const url = `${config.server.publicUrl}/hooks/${issued.token}`;
        const kid = config.activeKeyId;
        print(options["json"] ? JSON.stringify({ url, jti: issued.jti, service, kid }) : url);
      }),
    );

  withConfigOptions(token.command("revoke <jti>"))
    .description("revoke a webhook token by its id (every tagroll instance refuses it at once)")
    .addHelpText(
      "after",
      "\nExample:\n  $ tagroll token list\n  $ tagroll token revoke 3q2-7wFh1ZC0Xv9kQm1b8A",
    )
    .action((jti: string, options: Record<string, unknown>) =>
      withStore(
        loadConfig({ flags: configFlags(options), requireSigningKeys: false }),
        async (_config, kv) => {
          const issued = await new TokenRegistry(kv).get(jti);
          // A token missing from the registry (records lost, issued elsewhere) must still be revocable.
          const service = issued?.service ?? "(not in registry)";
          const revoked = await new RevocationStore(kv).revoke(jti, {
            service,
            revokedAt: new Date(systemClock.now()),
          });
          print(`${revoked ? "revoked" : "already revoked"}: ${jti} (service ${service})`);
        },
      ),
    );

  withConfigOptions(token.command("list"))
    .description("list issued webhook tokens (ids only; a token is shown once, when created)")
    .option("--service <name>", "only this service's tokens")
    .option("--json", "print a JSON array")
    .action((options: Record<string, unknown>) =>
      withStore(
        loadConfig({ flags: configFlags(options), requireSigningKeys: false }),
        async (_config, kv) => {
          const service = typeof options["service"] === "string" ? options["service"] : undefined;
          const [issued, revocations] = await Promise.all([
            new TokenRegistry(kv).list(service),
            new RevocationStore(kv).list(),
          ]);
          const revokedAt = new Map(revocations.map((r) => [r.jti, r.revokedAt.toISOString()]));
          const rows = issued.map((t) => ({
            jti: t.jti,
            service: t.service,
            kid: t.kid,
            issuedAt: new Date(t.iat * 1000).toISOString(),
            revokedAt: revokedAt.get(t.jti) ?? null,
          }));
          if (options["json"]) return print(JSON.stringify(rows, null, 2));
          if (rows.length === 0) return print(service ? `no tokens for ${service}` : "no tokens issued");
          print(
            table(
              ["JTI", "SERVICE", "KID", "ISSUED", "REVOKED"],
              rows.map((r) => Object.values(r).map((v) => v ?? "-")),
            ),
          );
        },
      ),
    );
}

/** Runs `body` with a Consul KV store for the configured agent, closing it afterwards. */
async function withStore(
  config: TagrollConfig,
  body: (config: TagrollConfig, kv: ConsulKvStore) => Promise<void>,
): Promise<void> {
  const kv = new ConsulKvStore(config.consul, { requestTimeoutMs: 10_000 });
  try {
    await body(config, kv);
  } finally {
    kv.close();
  }
}

function requireService(config: TagrollConfig, service: string): void {
  if (config.services.some((s) => s.name === service)) return;
  const names = config.services.map((s) => s.name);
  const where = config.configFile ? ` in ${config.configFile}` : "";
  throw new Error(
    names.length === 0
      ? `unknown service "${service}": no services are configured${where}`
      : `unknown service "${service}"; configured services${where}: ${names.join(", ")}`,
  );
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
