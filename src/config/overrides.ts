import type { ConfigFlags, Env } from "./config-flags.js";

type Kind = "string" | "int" | "bool";

interface Setting {
  /** Dotted path in the file schema. */
  path: string;
  env?: string;
  flag?: keyof ConfigFlags;
  /** Flag spelling shown in error messages; set whenever `flag` is. */
  flagName?: string;
  kind?: Kind;
}

/**
 * Every scalar that env or flags may set, in one table so precedence (flags > env > file >
 * defaults) is implemented once. HashiCorp's own variables keep their usual names and meaning.
 * Tokens themselves (CONSUL_HTTP_TOKEN, NOMAD_TOKEN) are secrets and handled in `agent-configs.ts`.
 */
const SETTINGS: readonly Setting[] = [
  { path: "server.host", env: "TAGROLL_HOST", flag: "host", flagName: "--host" },
  { path: "server.port", env: "TAGROLL_PORT", flag: "port", flagName: "--port", kind: "int" },
  { path: "server.publicUrl", env: "TAGROLL_PUBLIC_URL", flag: "publicUrl", flagName: "--public-url" },
  { path: "server.bodyLimit", env: "TAGROLL_BODY_LIMIT" },
  { path: "server.tls.certFile", env: "TAGROLL_TLS_CERT", flag: "tlsCert", flagName: "--tls-cert" },
  { path: "server.tls.keyFile", env: "TAGROLL_TLS_KEY", flag: "tlsKey", flagName: "--tls-key" },
  { path: "logLevel", env: "TAGROLL_LOG_LEVEL", flag: "logLevel", flagName: "--log-level" },
  { path: "historyLimit", env: "TAGROLL_HISTORY_LIMIT", kind: "int" },
  { path: "keysFile", env: "TAGROLL_SIGNING_KEYS_FILE" },
  { path: "activeKey", env: "TAGROLL_ACTIVE_KEY" },
  {
    path: "coordinator.enabled",
    env: "TAGROLL_COORDINATOR",
    flag: "coordinator",
    flagName: "--[no-]coordinator",
    kind: "bool",
  },
  { path: "coordinator.reconcileSchedule", env: "TAGROLL_RECONCILE_SCHEDULE" },
  { path: "coordinator.leaderKey", env: "TAGROLL_LEADER_KEY" },
  { path: "coordinator.sessionTtl", env: "TAGROLL_SESSION_TTL" },
  { path: "coordinator.deliveryTtl", env: "TAGROLL_DELIVERY_TTL" },
  { path: "consul.address", env: "CONSUL_HTTP_ADDR", flag: "consulAddr", flagName: "--consul-addr" },
  { path: "consul.ssl", env: "CONSUL_HTTP_SSL", kind: "bool" },
  { path: "consul.tokenFile", env: "CONSUL_HTTP_TOKEN_FILE" },
  { path: "consul.caCertFile", env: "CONSUL_CACERT" },
  { path: "consul.clientCertFile", env: "CONSUL_CLIENT_CERT" },
  { path: "consul.clientKeyFile", env: "CONSUL_CLIENT_KEY" },
  { path: "nomad.address", env: "NOMAD_ADDR", flag: "nomadAddr", flagName: "--nomad-addr" },
  { path: "nomad.namespace", env: "NOMAD_NAMESPACE" },
  { path: "nomad.region", env: "NOMAD_REGION" },
  { path: "nomad.tokenFile", env: "TAGROLL_NOMAD_TOKEN_FILE" },
  { path: "nomad.caCertFile", env: "NOMAD_CACERT" },
  { path: "nomad.clientCertFile", env: "NOMAD_CLIENT_CERT" },
  { path: "nomad.clientKeyFile", env: "NOMAD_CLIENT_KEY" },
];

/** Where an overridden value came from, keyed by dotted path: `"TAGROLL_PORT"` or `"--port"`. */
export type Origins = Map<string, string>;

/**
 * Lays env then flag values over the parsed file (mutating `raw`), converting text to the kind
 * the schema expects. A value that does not convert is passed on as text so the schema rejects it
 * with a message that names the field and, through `origins`, the variable or flag it came from.
 */
export function applyOverrides(raw: Record<string, unknown>, env: Env, flags: ConfigFlags): Origins {
  const origins: Origins = new Map();
  for (const setting of SETTINGS) {
    // Later layers win: env over the file, then flags over env.
    const layers: Array<[string | number | boolean | undefined, string | undefined]> = [
      [setting.env === undefined ? undefined : env[setting.env], setting.env],
      [setting.flag === undefined ? undefined : flags[setting.flag], setting.flagName],
    ];
    for (const [value, origin] of layers) {
      if (value === undefined || value === "" || origin === undefined) continue;
      setPath(raw, setting.path, convert(value, setting.kind));
      origins.set(setting.path, origin);
    }
  }
  return origins;
}

function convert(value: string | number | boolean, kind: Kind = "string"): unknown {
  if (typeof value !== "string") return value;
  if (kind === "int" && /^\d+$/.test(value.trim())) return Number(value);
  if (kind === "bool") {
    const lower = value.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(lower)) return true;
    if (["false", "0", "no", "off"].includes(lower)) return false;
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  const last = parts.pop() ?? path;
  let node = target;
  for (const part of parts) {
    const child = node[part];
    // A non-object here is a file error the schema will report; env/flags replace it.
    if (typeof child !== "object" || child === null || Array.isArray(child)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[last] = value;
}
