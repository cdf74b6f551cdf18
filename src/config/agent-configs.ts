import { plaintextRefused } from "./config-error.js";
import type { FileConfig } from "./file-schema.js";
import type { ResolveContext } from "./resolve-context.js";
import type { ConsulConfig, NomadConfig, TlsFiles } from "./types.js";

type Agent = "consul" | "nomad";

/**
 * Consul as its own CLI reads CONSUL_HTTP_ADDR: the scheme may be left out, and CONSUL_HTTP_SSL=true
 * forces https. CONSUL_HTTP_TOKEN beats CONSUL_HTTP_TOKEN_FILE (and `consul.tokenFile`).
 */
export function resolveConsul(file: FileConfig, ctx: ResolveContext): ConsulConfig {
  const raw = file.consul;
  const address = normaliseAddress("consul", raw.address ?? "127.0.0.1:8500", raw.ssl === true, ctx);
  const token = resolveToken("consul", "CONSUL_HTTP_TOKEN", file, ctx);
  return {
    address,
    ...(token !== undefined && { token }),
    ...(raw.datacenter !== undefined && { datacenter: raw.datacenter }),
    ...readTlsFiles("consul", raw, ctx),
  };
}

/** Nomad as its CLI reads NOMAD_ADDR, NOMAD_TOKEN, NOMAD_NAMESPACE, NOMAD_REGION, NOMAD_CACERT... */
export function resolveNomad(file: FileConfig, ctx: ResolveContext): NomadConfig {
  const raw = file.nomad;
  const address = normaliseAddress("nomad", raw.address ?? "http://127.0.0.1:4646", false, ctx);
  const token = resolveToken("nomad", "NOMAD_TOKEN", file, ctx);
  return {
    address,
    ...(token !== undefined && { token }),
    ...(raw.namespace !== undefined && { namespace: raw.namespace }),
    ...(raw.region !== undefined && { region: raw.region }),
    ...readTlsFiles("nomad", raw, ctx),
  };
}

function normaliseAddress(agent: Agent, value: string, forceHttps: boolean, ctx: ResolveContext): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value);
  const scheme = (match?.[1] ?? "http").toLowerCase();
  const rest = (match ? (match[2] ?? "") : value).replace(/\/+$/, "");
  if (scheme !== "http" && scheme !== "https") {
    ctx.problem(
      ctx.label(`${agent}.address`),
      `scheme "${scheme}" is not supported; use http:// or https://`,
    );
    return value;
  }
  const address = `${forceHttps ? "https" : scheme}://${rest}`;
  if (rest === "" || !URL.canParse(address)) {
    ctx.problem(ctx.label(`${agent}.address`), `"${value}" is not a valid address (host:port or URL)`);
  }
  return address;
}

function resolveToken(
  agent: Agent,
  variable: string,
  file: FileConfig,
  ctx: ResolveContext,
): string | undefined {
  const raw = file[agent];
  if (raw.token !== undefined && !file.allowPlaintextSecrets) {
    ctx.problem(`${agent}.token`, plaintextRefused(`${agent}.tokenFile or ${variable}`));
  }
  const fromEnv = ctx.env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv.trim();
  if (raw.tokenFile !== undefined) return ctx.readNamedFile(`${agent}.tokenFile`, raw.tokenFile)?.trim();
  return file.allowPlaintextSecrets ? raw.token : undefined;
}

function readTlsFiles(agent: Agent, raw: FileConfig[Agent], ctx: ResolveContext): TlsFiles {
  const read = (field: keyof typeof raw & `${string}File`) => {
    const file = raw[field];
    return file === undefined ? undefined : ctx.readNamedFile(`${agent}.${field}`, file);
  };
  if ((raw.clientCertFile === undefined) !== (raw.clientKeyFile === undefined)) {
    ctx.problem(`${agent}.clientCertFile`, "clientCertFile and clientKeyFile must be set together");
  }
  const caCert = read("caCertFile");
  const clientCert = read("clientCertFile");
  const clientKey = read("clientKeyFile");
  return {
    ...(caCert !== undefined && { caCert }),
    ...(clientCert !== undefined && { clientCert }),
    ...(clientKey !== undefined && { clientKey }),
  };
}
