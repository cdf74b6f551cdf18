import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/cluster.js";
import { runCli } from "../../helpers/tagroll-cli.js";
import {
  addressesFree,
  footprint,
  killAll,
  processesOf,
  startDevBehindPipe,
  waitUntilReady,
  type ClusterFootprint,
  type DevRun,
} from "./dev-run.js";

/**
 * `tagroll dev` run as people run it, behind a pipe, and used from a second terminal with only
 * what it printed: the export line for the CLI and the `consul kv put` line. Then the terminal
 * goes away (SIGHUP to the pipeline, the reader of its output dies with it) and nothing it
 * started may be left; a run killed outright is cleaned up by the next one.
 */
describe("tagroll dev behind a pipe", () => {
  const state = mkdtempSync(join(tmpdir(), "tagroll-dev-state-"));
  const env = { XDG_STATE_HOME: state };
  const runs: DevRun[] = [];
  const prints: ClusterFootprint[] = [];
  let ready: Awaited<ReturnType<typeof waitUntilReady>>;
  let cliEnv: Record<string, string>;

  async function start(): Promise<{ run: DevRun; ready: typeof ready; print: ClusterFootprint }> {
    const run = startDevBehindPipe(0, env);
    runs.push(run);
    const up = await waitUntilReady(run);
    const print = await footprint(up.consul, up.nomad, up.tagroll);
    prints.push(print);
    return { run, ready: up, print };
  }
  const cli = (args: string[], timeoutMs = 150_000) => runCli(args, { env: cliEnv, timeoutMs });
  const records = () => readdirSync(join(state, "tagroll", "dev")).filter((f) => f.endsWith(".json"));

  beforeAll(async () => {
    ready = (await start()).ready;
  }, 300_000);

  afterAll(async () => {
    for (const run of runs) run.signalGroup("SIGKILL");
    for (const print of prints) await killAll(await processesOf(print));
    // Whatever else a failed run left: every process it started inherited XDG_STATE_HOME.
    await killAll(await processesOf({ dir: state, consulHttpPort: "", addresses: [] }));
    rmSync(state, { recursive: true, force: true });
  });

  it("prints one export line after which status, deploy, rollback, restart and history work", async () => {
    const match = /^export TAGROLL_SERVER=(\S+) TAGROLL_API_TOKEN=(\S+)$/.exec(ready.exportLine);
    expect(match, ready.exportLine).not.toBeNull();
    cliEnv = { TAGROLL_SERVER: match![1]!, TAGROLL_API_TOKEN: match![2]! };
    expect(cliEnv["TAGROLL_SERVER"]).toBe(ready.tagroll);

    const status = await cli(["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/demo\s+v1\s+3\/3 on v1/);
    const deploy = await cli(["deploy", "demo", "v2", "--wait"]);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(/demo: rollout succeeded on v2/);
    const rollback = await cli(["rollback", "demo", "--wait"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/demo: rollout succeeded on v1/);
    const restart = await cli(["restart", "demo", "--wait"]);
    expect(restart.code, restart.stderr).toBe(0);
    const history = await cli(["history", "demo"]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/operator\s+v2\s+v1\s+api:dev\s+written/);
    expect(history.stdout).toMatch(/rollback\s+v1\s+v2\s+api:dev\s+written/);
    expect(history.stdout).toMatch(/restart\s+.*succeeded/);
  });

  it("prints a consul kv put that works as shown, and history says it was an operator edit", async () => {
    const at = runs[0]!.lines.findIndex((l) => l.includes("edit the key by hand"));
    const command = runs[0]!.lines.slice(at + 1).find((l) => l.trim() !== "") ?? "";
    expect(command).toMatch(/ kv put -http-addr=http:\/\/127\.0\.0\.1:\d+ configs\/demo\/IMAGE_TAG v3$/);
    // As pasted into a shell whose PATH has no consul.
    const put = spawnSync("sh", ["-c", command], { env: { PATH: "/usr/bin:/bin" }, encoding: "utf8" });
    expect(put.status, put.stderr).toBe(0);
    expect(put.stdout).toContain("Success!");
    await waitFor(
      "the rollout to v3",
      async () => runs[0]!.lines.some((l) => l.includes("demo: rollout succeeded on v3")),
      { timeoutMs: 120_000 },
    );
    const history = await cli(["history", "demo"]);
    expect(history.stdout).toMatch(/operator\s+v3\s+v1\s+consul-kv\s+written\s+.*ModifyIndex \d+\)/);
  });

  it("reverts a broken tag pushed with the printed curl", async () => {
    const curl = runs[0]!.lines.find((l) => l.includes("curl -sS")) ?? "";
    const [, body, url] = /--data '(.+)' (http:\/\/\S+)$/.exec(curl.trim()) ?? [];
    const push = JSON.parse(body ?? "{}") as { push_data: { tag: string } };
    push.push_data.tag = "v4-broken";
    const res = await fetch(url ?? "", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(push),
    });
    expect(res.status).toBe(202);
    await waitFor("the revert", async () => runs[0]!.lines.some((l) => /demo: rollout reverted/.test(l)), {
      timeoutMs: 120_000,
    });
  });

  it("prints only human-readable lines, tagroll's warnings included", () => {
    const lines = runs[0]!.lines;
    expect(lines.filter((line) => /^\s*\{.*\}\s*$/.test(line))).toEqual([]);
    // The revert above makes tagroll log warnings: one readable line each, among the others.
    expect(lines.filter((l) => /^\[log\] \[\d\d:\d\d:\d\d\] WARN: /.test(l)).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.trim() !== "").every((l) => /^(\[dev\]|\[log\]| {2}\S)/.test(l))).toBe(true);
  });

  it("stops everything on SIGHUP, with the reader of its output gone", async () => {
    const [run, print] = [runs[0]!, prints[0]!];
    // Consul, Nomad, and for each of the 3 allocations an executor and the app.
    expect((await processesOf(print)).length).toBeGreaterThanOrEqual(8);
    run.signalGroup("SIGHUP");
    await run.exited;
    await waitFor(
      "every process of the cluster to stop, its ports to be free and its record to go",
      // The record goes last, once the cluster is stopped and its dir removed.
      async () =>
        (await processesOf(print)).length === 0 &&
        (await addressesFree(print.addresses)) &&
        records().length === 0,
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch(async (err: Error) => {
      const left = await processesOf(print);
      const names = left.map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
      throw new Error(`${err.message}; still running:\n${names.join("\n")}`);
    });
  });

  it("stops what a run killed outright left behind when the next run starts", async () => {
    const killed = await start();
    const [record] = records();
    const owner = (
      JSON.parse(readFileSync(join(state, "tagroll", "dev", record!), "utf8")) as {
        owner: { pid: number };
      }
    ).owner.pid;
    process.kill(owner, "SIGKILL");
    await killed.run.exited;
    expect((await processesOf(killed.print)).length).toBeGreaterThanOrEqual(8);

    const next = await start();
    expect(next.run.lines).toContain("[dev] stopped 1 cluster(s) an earlier tagroll dev left running");
    expect(await processesOf(killed.print)).toEqual([]);
    expect(await addressesFree(killed.print.addresses)).toBe(true);

    next.run.signalGroup("SIGTERM");
    await next.run.exited;
    await waitFor(
      "the last run to stop everything and remove its record",
      async () => (await processesOf(next.print)).length === 0 && records().length === 0,
      { timeoutMs: 60_000 },
    );
  }, 400_000);
});
