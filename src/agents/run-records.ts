import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { killProcessesUnder, unmountUnder } from "./nomad-leftovers.js";

/**
 * What a dev cluster leaves running when its owner dies without stopping it (SIGKILL, a crash):
 * the agents run in process groups of their own, and Nomad's executors and tasks outlive their
 * agent by design (nomad-leftovers.ts). So a cluster started with a state directory writes a
 * record there — who owns it, its agents, its data dir — and deletes it once stopped; the next
 * run calls `stopLeftovers` to stop what the records of dead owners still name.
 */

/** A process as it was when recorded: a pid, and its start time so a reused pid is not it. */
export interface ProcessId {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot). */
  startTime: string;
}

export interface RunRecord {
  owner: ProcessId;
  /** The cluster's directory: Nomad's data dir is below it. */
  dir: string;
  nomadData: string;
  /** Delete `dir` too when stopping (it was a temp dir), or keep it (it holds wanted logs). */
  removeDir: boolean;
  agents: Array<ProcessId & { name: string }>;
}

/** `${XDG_STATE_HOME:-$HOME/.local/state}/tagroll/<kind>`: where `tagroll dev` or the benchmarks record clusters. */
export function runStateDir(kind: "dev" | "bench", env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "tagroll", kind);
}

/** The process as it is now, or undefined when there is no such process. */
export async function processId(pid: number): Promise<ProcessId | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  const startTime = fields?.[19];
  return startTime === undefined ? undefined : { pid, startTime };
}

export async function isRunning(id: ProcessId): Promise<boolean> {
  return (await processId(id.pid))?.startTime === id.startTime;
}

/** Writes (or rewrites) the cluster's record; resolves its file. */
export async function writeRunRecord(stateDir: string, record: RunRecord): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, `${record.owner.pid}-${basename(record.dir)}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2));
  await rename(`${file}.tmp`, file);
  return file;
}

export async function removeRunRecord(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/**
 * Stops every cluster recorded in `stateDir` whose owner is gone — or, with `owner`, the ones
 * that process owns (a signal handler stopping its own). Resolves how many it stopped.
 */
export async function stopLeftovers(
  stateDir: string,
  options: { owner?: ProcessId; progress?: (line: string) => void } = {},
): Promise<number> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  let stopped = 0;
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const file = join(stateDir, name);
    const record = await readRecord(file);
    if (record === undefined) {
      await removeRunRecord(file);
      continue;
    }
    const owned = options.owner
      ? record.owner.pid === options.owner.pid && record.owner.startTime === options.owner.startTime
      : !(await isRunning(record.owner));
    if (!owned) continue;
    options.progress?.(`stopping what pid ${record.owner.pid} left running in ${record.dir}`);
    await stopRecorded(record);
    await removeRunRecord(file);
    stopped++;
  }
  return stopped;
}

/** The agents (their whole process groups), then whatever still runs from the data dir. */
async function stopRecorded(record: RunRecord): Promise<void> {
  for (const agent of [...record.agents].reverse()) {
    if (!(await isRunning(agent))) continue;
    try {
      process.kill(-agent.pid, "SIGKILL");
    } catch {
      // Group already gone.
    }
  }
  // Executors and tasks name the data dir; the agents' helpers carry the dir in their environment.
  await killProcessesUnder(record.dir);
  await unmountUnder(record.nomadData);
  await rm(record.nomadData, { recursive: true, force: true });
  if (record.removeDir) await rm(record.dir, { recursive: true, force: true });
}

async function readRecord(file: string): Promise<RunRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, "utf8")) as RunRecord;
    const valid =
      typeof record.owner?.pid === "number" &&
      typeof record.dir === "string" &&
      record.dir.length > 1 &&
      typeof record.nomadData === "string" &&
      record.nomadData.startsWith(record.dir) &&
      Array.isArray(record.agents);
    return valid ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The running ones among `agents`, as a record lists them. */
export async function agentIds(
  agents: ReadonlyArray<{ name: string; pid: number | undefined }>,
): Promise<Array<ProcessId & { name: string }>> {
  const ids: Array<ProcessId & { name: string }> = [];
  for (const agent of agents) {
    const id = agent.pid === undefined ? undefined : await processId(agent.pid);
    if (id) ids.push({ name: agent.name, ...id });
  }
  return ids;
}
