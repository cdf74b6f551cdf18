import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Ports for agents that are told their port and bind it later (Consul, Nomad, HAProxy). They are
 * chosen OUTSIDE the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`), because
 * every outgoing connection takes a local port from that range: a port freed by a `listen(0)`
 * probe can be taken by a connection before the agent binds it, and the agent then fails with
 * EADDRINUSE. Outside the range only another listener can take it, and each pick is probed.
 */
const FLOOR = 10_000;
const handedOut = new Set<number>();

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (lo !== undefined && hi !== undefined && lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // Not Linux: the IANA dynamic range, which most other systems use.
  }
  return [49_152, 65_535];
}

/** The larger stretch of [FLOOR, 65535] that lies outside the ephemeral range. */
function candidates(): [number, number] {
  const [lo, hi] = ephemeralRange();
  const below: [number, number] = [FLOOR, lo - 1];
  const above: [number, number] = [hi + 1, 65_535];
  return below[1] - below[0] >= above[1] - above[0] ? below : above;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Asks the kernel for any unused loopback port (in the ephemeral range). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not allocate a port"));
      });
    });
  });
}

/** An unused loopback port outside the ephemeral range (never the agents' well-known defaults). */
export async function freePort(): Promise<number> {
  const [from, to] = candidates();
  if (to - from >= 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = from + Math.floor(Math.random() * (to - from + 1));
      if (handedOut.has(port) || !(await canListen(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  // No usable stretch outside the range (or every pick was taken): let the kernel choose.
  return kernelPort();
}

export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
