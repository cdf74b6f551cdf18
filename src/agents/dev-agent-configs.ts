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

export function nomadDevConfig(p: NomadConfigParams): string {
  // Cloud fingerprinters probe 169.254.169.254 and stall start-up on a closed network.
  return `
name                 = "tagroll-dev"
data_dir             = "${p.nomadData}"
bind_addr            = "127.0.0.1"
disable_update_check = true
ports {
  http = ${p.nHttp}
  rpc  = ${p.nRpc}
  serf = ${p.nSerf}
}
consul {
  address      = "127.0.0.1:${p.cHttp}"
  grpc_address = "127.0.0.1:${p.cGrpc}"
}
client {
  enabled = true
  options = {
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}
${p.acl ? "acl {\n  enabled = true\n}\n" : ""}`;
}
