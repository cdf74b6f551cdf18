import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePorts } from "../../src/agents/free-port.js";
import { runCommand } from "../../src/agents/run-command.js";
import { waitFor } from "../helpers/cluster.js";

export const HAPROXY_BIN = "/usr/sbin/haproxy";

export interface HaproxyOptions {
  /** Consul service to balance over, found by SRV `_<service>._tcp.service.consul`. */
  service: string;
  consulDnsPort: number;
  dir: string;
  /** Server slots the template creates (more than the job's count, as a user would leave room). */
  slots?: number;
  /**
   * `retries 3` + `option redispatch` (default): HAProxy retries a failed connection on another
   * instance, which hides a restart it was not warned of. False: no retry, so every request sent
   * to an instance that is going away fails — the strict measure of a drain.
   */
  retries?: boolean;
}

export interface Haproxy {
  url: string;
  configFile: string;
  /** The backend's server slots and their status (UP, DOWN, MAINT (resolution) …). */
  servers(): Promise<Array<{ name: string; status: string }>>;
  /** Servers of the backend HAProxy currently considers UP. */
  upServers(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Debian's HAProxy resolving the service through Consul DNS, tuned as a user reasonably would for
 * fast failover — the same file for every downtime variant: fast active checks, redispatch and
 * retries, short DNS holds so a deregistered instance leaves the pool within about a second.
 * `allow-dup-ip` because every instance here listens on 127.0.0.1 (one dev node): by default
 * HAProxy refuses to give two servers of a backend the same address and drops all but one.
 */
export function haproxyConfig(o: HaproxyOptions & { port: number; statsPort: number }): string {
  return `global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
${o.retries === false ? "  retries 0\n" : "  option redispatch\n  retries 3\n"}
resolvers consul
  nameserver consul 127.0.0.1:${o.consulDnsPort}
  accepted_payload_size 8192
  resolve_retries 3
  timeout resolve 500ms
  timeout retry 500ms
  hold valid 1s
  hold obsolete 0s

frontend app
  bind 127.0.0.1:${o.port}
  default_backend ${o.service}

backend ${o.service}
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  server-template app ${o.slots ?? 5} _${o.service}._tcp.service.consul resolvers consul resolve-prefer ipv4 resolve-opts allow-dup-ip init-addr none check inter 500ms fall 1 rise 2

listen stats
  bind 127.0.0.1:${o.statsPort}
  stats enable
  stats uri /stats
`;
}

export async function startHaproxy(o: HaproxyOptions): Promise<Haproxy> {
  const [port, statsPort] = (await freePorts(2)) as [number, number];
  const configFile = join(o.dir, `haproxy-${o.service}.cfg`);
  await writeFile(configFile, haproxyConfig({ ...o, port, statsPort }));
  await runCommand(HAPROXY_BIN, ["-c", "-q", "-f", configFile], { timeoutMs: 10_000 });
  const log = createWriteStream(join(o.dir, `haproxy-${o.service}.log`), { flags: "a" });
  const child = spawn(HAPROXY_BIN, ["-db", "-f", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const servers = async () => {
    const res = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, {
      signal: AbortSignal.timeout(2_000),
    });
    const [header = "", ...lines] = (await res.text()).split("\n");
    const columns = header.replace(/^# /, "").split(",");
    const rows = lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [columns[i], v])));
    return rows
      .filter((r) => r.pxname === o.service && r.svname?.startsWith("app"))
      .map((r) => ({ name: r.svname ?? "", status: r.status ?? "" }));
  };
  const upServers = async () => (await servers()).filter((s) => s.status === "UP").length;
  await waitFor("haproxy stats", async () => (await upServers()) >= 0, { timeoutMs: 10_000 });
  return {
    url: `http://127.0.0.1:${port}/`,
    configFile,
    servers,
    upServers,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** `HAProxy version 2.6.12-1+deb12u4 …` → `2.6.12-1+deb12u4`. */
export async function haproxyVersion(): Promise<string> {
  const { stdout } = await runCommand(HAPROXY_BIN, ["-v"], { timeoutMs: 10_000 });
  return /version (\S+)/.exec(stdout)?.[1] ?? "unknown";
}
