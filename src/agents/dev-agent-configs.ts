/** Command lines and config files of the dev agents (dev-cluster.ts starts them). */
import { freePorts } from "./free-port.js";

export interface ConsulPorts {
  http: number;
  dns: number;
  grpc: number;
  serfLan: number;
  serfWan: number;
  server: number;
}

/** The ports of a Consul server agent and a Nomad server on 127.0.0.1. */
export interface ServerPorts {
  consul: ConsulPorts;
  nomad: { http: number; rpc: number; serf: number };
}

/** Nine free loopback ports, one per listener of a Consul server agent and a Nomad server. */
export async function freeServerPorts(): Promise<ServerPorts> {
  const [http, dns, grpc, serfLan, serfWan, server, nHttp, nRpc, nSerf] = (await freePorts(9)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    consul: { http, dns, grpc, serfLan, serfWan, server },
    nomad: { http: nHttp, rpc: nRpc, serf: nSerf },
  };
}

/** `consul agent -dev` on loopback only; `extraHcl` adds blocks (the ACL mode's). */
export function consulDevArgs(ports: ConsulPorts, extraHcl: string[] = [], node = "tagroll-dev"): string[] {
  return [
    "agent",
    "-dev",
    "-node",
    node,
    "-bind",
    "127.0.0.1",
    "-client",
    "127.0.0.1",
    "-http-port",
    `${ports.http}`,
    "-dns-port",
    `${ports.dns}`,
    "-grpc-port",
    `${ports.grpc}`,
    "-serf-lan-port",
    `${ports.serfLan}`,
    "-serf-wan-port",
    `${ports.serfWan}`,
    "-server-port",
    `${ports.server}`,
    "-hcl",
    "ports { grpc_tls = -1 }",
    "-hcl",
    "disable_update_check = true",
    ...extraHcl.flatMap((hcl) => ["-hcl", hcl]),
  ];
}

export interface NomadConfigParams {
  nomadData: string;
  nHttp: number;
  nRpc: number;
  nSerf: number;
  cHttp: number;
  cGrpc: number;
  /** `acl { enabled = true }`; the Consul token comes through the agent's environment. */
  acl?: boolean;
}

/**
 * The head every Nomad agent config here starts with: name, data dir, addresses and ports.
 * `advertise`: name the bind address as the advertised one too, which Nomad needs for a loopback
 * address outside dev mode (it refuses to guess it).
 */
export function nomadAgentHead(p: {
  name: string;
  data: string;
  address: string;
  ports: { http: number; rpc: number; serf: number };
  advertise: boolean;
}): string {
  const advertise = p.advertise
    ? `advertise {\n  http = "${p.address}"\n  rpc  = "${p.address}"\n  serf = "${p.address}"\n}\n`
    : "";
  return `
name                 = "${p.name}"
data_dir             = "${p.data}"
bind_addr            = "${p.address}"
disable_update_check = true
${advertise}ports {
  http = ${p.ports.http}
  rpc  = ${p.ports.rpc}
  serf = ${p.ports.serf}
}
`;
}

/** Cloud fingerprinters probe 169.254.169.254 and stall start-up on a closed network. */
export const FINGERPRINT_DENYLIST = `options = {
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }`;

/** The demo job's driver (no Docker engine on our machines). */
export const RAW_EXEC_PLUGIN = `plugin "raw_exec" {
  config {
    enabled = true
  }
}
`;

export function nomadDevConfig(p: NomadConfigParams): string {
  const ports = { http: p.nHttp, rpc: p.nRpc, serf: p.nSerf };
  const head = nomadAgentHead({
    name: "tagroll-dev",
    data: p.nomadData,
    address: "127.0.0.1",
    ports,
    advertise: false,
  });
  return `${head}consul {
  address      = "127.0.0.1:${p.cHttp}"
  grpc_address = "127.0.0.1:${p.cGrpc}"
}
client {
  enabled = true
  ${FINGERPRINT_DENYLIST}
}
${RAW_EXEC_PLUGIN}${p.acl ? "acl {\n  enabled = true\n}\n" : ""}`;
}
