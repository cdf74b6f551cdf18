import { readFile, readdir } from "node:fs/promises";
import { socketInodesOf, tcpSockets } from "./consul-connections.js";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 1/100 s on every common build. */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of process `pid` so far, in ms (10 ms steps), from /proc/<pid>/stat. */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of proc(5); here they sit at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * The process listening on loopback TCP `port` (the Consul agent of a bench cluster), found from
 * /proc/net/tcp{,6} and the socket inodes among each process's file descriptors.
 */
export async function pidListeningOn(port: number): Promise<number> {
  const listening = new Set(
    (await tcpSockets()).filter((r) => r.localPort === port && r.state === "0A").map((r) => r.inode),
  );
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const inodes = await socketInodesOf(name);
    if ([...listening].some((inode) => inodes.has(inode))) return Number(name);
  }
  throw new Error(`no process found listening on port ${port}`);
}
