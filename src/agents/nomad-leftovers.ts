import { readFile, readdir } from "node:fs/promises";
import { runCommand } from "./run-command.js";

/**
 * Nomad task processes outlive their agent by design (a client restart must not kill
 * workloads), and the executors call setsid, so killing the agent's process group misses them.
 * A dev cluster owns everything that runs under its data dir: stop its jobs through the API,
 * then kill whatever still refers to the data dir and unmount the task dirs Nomad mounted there.
 */
export async function stopAllJobs(nomadAddr: string, timeoutMs = 20_000, token?: string): Promise<void> {
  // With ACLs on, listing and purging need the management token.
  const headers: Record<string, string> = token ? { "x-nomad-token": token } : {};
  try {
    const jobs = (await (
      await fetch(`${nomadAddr}/v1/jobs?namespace=*`, { headers, signal: AbortSignal.timeout(3_000) })
    ).json()) as Array<{
      ID: string;
      Namespace: string;
    }>;
    for (const job of jobs) {
      await fetch(`${nomadAddr}/v1/job/${encodeURIComponent(job.ID)}?purge=true&namespace=${job.Namespace}`, {
        method: "DELETE",
        headers,
        signal: AbortSignal.timeout(3_000),
      });
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const allocs = (await (
        await fetch(`${nomadAddr}/v1/allocations?namespace=*`, {
          headers,
          signal: AbortSignal.timeout(3_000),
        })
      ).json()) as Array<{ ClientStatus: string }>;
      if (!allocs.some((a) => a.ClientStatus === "running" || a.ClientStatus === "pending")) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch {
    // Agent already unreachable: the process sweep below still cleans up.
  }
}

export async function killProcessesUnder(dir: string): Promise<number> {
  let killed = 0;
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const refs = await Promise.all(
      ["cmdline", "environ"].map((f) => readFile(`/proc/${name}/${f}`, "utf8").catch(() => "")),
    );
    if (refs.some((text) => text.includes(dir))) {
      try {
        process.kill(Number(name), "SIGKILL");
        killed++;
      } catch {
        // Already gone.
      }
    }
  }
  return killed;
}

export async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile("/proc/mounts", "utf8").catch(() => "");
  const points = mounts
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((point) => point.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await runCommand("umount", ["-l", point]).catch(() => undefined);
}
