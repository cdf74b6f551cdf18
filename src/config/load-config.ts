import path from "node:path";
import type { z } from "zod";
import { resolveConsul, resolveNomad } from "./agent-configs.js";
import { buildNotifications } from "./build-notifications.js";
import { buildServices } from "./build-services.js";
import { buildRegistries } from "./supply-chain.js";
import { ConfigError, formatFieldPath } from "./config-error.js";
import type { ConfigFlags, Env } from "./config-flags.js";
import { fileSchema, type FileConfig } from "./file-schema.js";
import { applyOverrides } from "./overrides.js";
import { readConfigFile, type ReadFile } from "./read-config-file.js";
import { readFileIfExists } from "./read-file-if-exists.js";
import { createResolveContext, type ResolveContext } from "./resolve-context.js";
import { resolveSigningKeys } from "./signing-keys.js";
import type { ServerConfig, TagrollConfig } from "./types.js";

export interface LoadConfigOptions {
  flags?: ConfigFlags;
  /** Defaults to `process.env`; the only place tagroll reads it. */
  env?: Env;
  cwd?: string;
  /** Defaults to the file system; tests pass an in-memory map. */
  readFile?: ReadFile;
  /** Commands that never sign or verify tokens (`check`, `status`) may run without keys. Default true. */
  requireSigningKeys?: boolean;
}

/**
 * The one function that turns file, environment and flags into a validated `TagrollConfig`
 * (precedence flags > env > file > defaults). Pure apart from `readFile`; throws `ConfigError`
 * listing every problem found, each naming its field.
 */
export function loadConfig(options: LoadConfigOptions = {}): TagrollConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const readFile = options.readFile ?? readFileIfExists;
  const flags = options.flags ?? {};

  const file = readConfigFile(flags, env, cwd, readFile);
  const raw = structuredClone(file?.data ?? {});
  const origins = applyOverrides(raw, env, flags);
  const configDir = file === undefined ? undefined : path.dirname(file.path);
  const ctx = createResolveContext({ cwd, configDir, origins, readFile, env });

  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.flatMap((issue) => describeIssue(issue, ctx)));
  const data = parsed.data;

  const { keys, activeKeyId } = resolveSigningKeys(data, ctx, options.requireSigningKeys ?? true);
  const config: TagrollConfig = {
    server: resolveServer(data, ctx),
    consul: resolveConsul(data, ctx),
    nomad: resolveNomad(data, ctx),
    keys,
    activeKeyId,
    coordinator: {
      enabled: data.coordinator.enabled,
      reconcileSchedule: data.coordinator.reconcileSchedule,
      reconcileBatch: data.coordinator.reconcileBatch,
      leaderKey: data.coordinator.leaderKey,
      sessionTtl: data.coordinator.sessionTtl,
      deliveryTtlMs: data.coordinator.deliveryTtl,
    },
    historyLimit: data.historyLimit,
    logLevel: data.logLevel,
    services: buildServices(data, ctx),
    notifications: buildNotifications(data, ctx),
    registries: buildRegistries(data.registries, ctx),
    ...(file !== undefined && { configFile: file.path }),
  };
  if (ctx.issues.length > 0) throw new ConfigError(ctx.issues);
  return config;
}

function resolveServer(data: FileConfig, ctx: ResolveContext): ServerConfig {
  const { host, port, bodyLimit, publicUrl } = data.server;
  const certFile = data.server.tls?.certFile;
  const keyFile = data.server.tls?.keyFile;
  let tls: ServerConfig["tls"];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    ctx.problem("server.tls", "certFile (--tls-cert) and keyFile (--tls-key) must be set together");
  } else if (certFile !== undefined && keyFile !== undefined) {
    const cert = ctx.readNamedFile("server.tls.certFile", certFile);
    const key = ctx.readNamedFile("server.tls.keyFile", keyFile);
    if (cert !== undefined && key !== undefined) tls = { cert, key };
  }
  const scheme = certFile !== undefined ? "https" : "http";
  return {
    host,
    port,
    publicUrl: publicUrl ?? `${scheme}://localhost:${port}`,
    bodyLimit,
    ...(tls !== undefined && { tls }),
  };
}

/** Zod issue → operator-facing issue; an unknown key is reported at its own path. */
function describeIssue(issue: z.core.$ZodIssue, ctx: ResolveContext) {
  const field = formatFieldPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      field: formatFieldPath([...issue.path, key]),
      message: "unknown field",
    }));
  }
  return [{ field: ctx.label(field), message: issue.message }];
}
