import { readFile, readdir, readlink } from "node:fs/promises";
import { get } from "node:http";

/** The inodes of the sockets among process `pid`'s file descriptors (/proc/<pid>/fd). */
export async function socketInodesOf(pid: number | string): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m?.[1]) inodes.add(m[1]);
  }
  return inodes;
}

/** The rows of /proc/net/tcp{,6}: local and remote port, state (01 established, 0A listen), inode. */
export async function tcpSockets(): Promise<
  Array<{ localPort: number; remotePort: number; state: string; inode: string }>
> {
  const rows = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (address: string | undefined) => parseInt(address?.split(":")[1] ?? "", 16);
      rows.push({ localPort: port(f[1]), remotePort: port(f[2]), state: f[3] ?? "", inode: f[9] ?? "" });
    }
  }
  return rows;
}

/**
 * Established TCP connections from process `pid` to `port` on loopback, read from /proc (Linux):
 * the socket inodes among the process's file descriptors, matched against /proc/net/tcp{,6}.
 * An outside count of tagroll's open requests to Consul, which needs no change to tagroll.
 */
export async function connectionsTo(pid: number, port: number): Promise<number> {
  const inodes = await socketInodesOf(pid);
  const rows = await tcpSockets();
  return rows.filter((r) => r.remotePort === port && r.state === "01" && inodes.has(r.inode)).length;
}

/**
 * A GET to a loopback agent from source address 127.0.0.2, so the benchmark's own probes count
 * against a different client IP than tagroll's 127.0.0.1 in Consul's per-client connection limit
 * (`limits.http_max_conns_per_client`, 200 by default) and are never refused because of tagroll.
 */
function probe(url: string): Promise<{ status: number; index: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { localAddress: "127.0.0.2", agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const index = `${res.headers["x-consul-index"] ?? ""}`;
        resolve({ status: res.statusCode ?? 0, index, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
  });
}

export async function probeJson<T>(url: string): Promise<T> {
  const res = await probe(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  return JSON.parse(res.text) as T;
}

/**
 * Consul's own count of blocking queries in flight, from its in-memory telemetry
 * (`/v1/agent/metrics`): the gauge `consul.<host>.rpc.queries_blocking` (the host name is part of
 * the name on a dev agent). Consul sets the gauge only when a blocking query starts or ends, and
 * shows the last finished 10 s interval, which reports nothing if neither happened in it; so we
 * keep ending short blocking queries of our own until an interval holding one is shown: the value
 * then set is the number of the others.
 */
export async function blockingQueries(consulAddr: string): Promise<number> {
  const key = `${consulAddr}/v1/kv/tagroll-bench/poke`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { index } = await probe(key);
    await probe(`${key}?index=${index || 1}&wait=200ms`);
    const metrics = await probeJson<{ Gauges?: Array<{ Name: string; Value: number }> }>(
      `${consulAddr}/v1/agent/metrics`,
    );
    const gauge = metrics.Gauges?.find((g) => /^consul\.(.+\.)?rpc\.queries_blocking$/.test(g.Name));
    if (gauge) return gauge.Value;
  }
  throw new Error("Consul reported no rpc.queries_blocking gauge for 30 s");
}
