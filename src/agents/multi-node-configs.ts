import { FINGERPRINT_DENYLIST, nomadAgentHead, RAW_EXEC_PLUGIN } from "./dev-agent-configs.js";

/**
 * Command lines and config files of the multi-node cluster's agents (multi-node-cluster.ts starts
 * them). The Consul server reuses the dev agent's command line (dev-agent-configs.ts).
 */

export interface ConsulClientParams {
  name: string;
  address: string;
  data: string;
  http: number;
  serfLan: number;
  /** `host:port` of the Consul server's Serf LAN listener. */
  join: string;
}

/** A Consul client agent (no server, no DNS, no gRPC) that joins the server over Serf LAN. */
export function consulClientArgs(p: ConsulClientParams): string[] {
  return [
    "agent",
    "-node",
    p.name,
    "-data-dir",
    p.data,
    "-bind",
    p.address,
    "-client",
    p.address,
    "-http-port",
    `${p.http}`,
    "-dns-port",
    "-1",
    "-serf-lan-port",
    `${p.serfLan}`,
    "-retry-join",
    p.join,
    "-retry-interval",
    "1s",
    "-hcl",
    "ports {\n  grpc = -1\n  grpc_tls = -1\n  serf_wan = -1\n}",
    "-hcl",
    "disable_update_check = true",
  ];
}

export interface NomadServerParams {
  data: string;
  nHttp: number;
  nRpc: number;
  nSerf: number;
  /** HTTP port of the Consul server agent on 127.0.0.1. */
  cHttp: number;
  /** Nomad's `event_buffer_size` (default 100): the events a resumed event stream can still replay. */
  eventBufferSize?: number;
}

/** A single Nomad server on 127.0.0.1 that runs no tasks. */
export function nomadServerConfig(p: NomadServerParams): string {
  const ports = { http: p.nHttp, rpc: p.nRpc, serf: p.nSerf };
  return `${nomadAgentHead({ name: "nomad-server", data: p.data, address: "127.0.0.1", ports, advertise: true })}server {
  enabled          = true
  bootstrap_expect = 1
  # A lost node is marked down after its heartbeat TTL; keep that short on a test cluster.
  heartbeat_grace = "5s"
  min_heartbeat_ttl = "5s"${p.eventBufferSize === undefined ? "" : `\n  event_buffer_size = ${p.eventBufferSize}`}
}
consul {
  address = "127.0.0.1:${p.cHttp}"
}
`;
}

export interface NomadClientParams {
  name: string;
  address: string;
  data: string;
  nHttp: number;
  nRpc: number;
  nSerf: number;
  /** HTTP port of this node's own Consul client agent (on the same address). */
  consulHttp: number;
  /** 1-based node index: picks this node's range of dynamic ports. */
  index: number;
  /** RPC port of the Nomad server on 127.0.0.1. */
  serverRpc: number;
}

/**
 * A Nomad client with raw_exec that registers services with its own Consul agent. Tasks get
 * ports on the loopback interface's 127.0.0.1; a disjoint dynamic port range per node keeps two
 * nodes from handing out the same port.
 */
export function nomadClientConfig(p: NomadClientParams): string {
  const low = 20000 + (p.index - 1) * 500;
  const ports = { http: p.nHttp, rpc: p.nRpc, serf: p.nSerf };
  return `${nomadAgentHead({ name: p.name, data: p.data, address: p.address, ports, advertise: true })}consul {
  address = "${p.address}:${p.consulHttp}"
}
client {
  enabled           = true
  servers           = ["127.0.0.1:${p.serverRpc}"]
  network_interface = "lo"
  min_dynamic_port  = ${low}
  max_dynamic_port  = ${low + 499}
  ${FINGERPRINT_DENYLIST}
  # Where this node's own agents listen, for jobs that talk to them (a real node would use the
  # default ports on its address; these are free ports on a shared loopback).
  meta {
    consul_http_addr = "http://${p.address}:${p.consulHttp}"
  }
}
${RAW_EXEC_PLUGIN}`;
}
