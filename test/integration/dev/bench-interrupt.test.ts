import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/cluster.js";
import { addressesFree, killAll, processesOf, type ClusterFootprint } from "./dev-run.js";

/**
 * `npm run bench` interrupted with Ctrl-C: the terminal sends SIGINT to the foreground process
 * group, which the agents (in groups of their own) are not in. Nothing the run started may be
 * left: Consul, Nomad, the executors and the demo apps of the benchmark's job.
 */
describe("npm run bench interrupted with Ctrl-C", () => {
  const state = mkdtempSync(join(tmpdir(), "tagroll-bench-state-"));
  let print: ClusterFootprint | undefined;

  afterAll(async () => {
    if (print) await killAll(await processesOf(print));
    // Whatever else a failed run left: every process it started inherited XDG_STATE_HOME.
    await killAll(await processesOf({ dir: state, consulHttpPort: "", addresses: [] }));
    rmSync(state, { recursive: true, force: true });
  });

  it("stops the agents it started and everything running under them", async () => {
    const bench = spawn(
      process.execPath,
      ["--import", "tsx", "test/bench/run.ts", "reaction", "--no-write"],
      {
        cwd: resolve(import.meta.dirname, "../../.."),
        env: { ...process.env, XDG_STATE_HOME: state },
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      },
    );
    let output = "";
    bench.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<void>((done) => bench.once("exit", () => done()));

    // Interrupt once the benchmark's job runs: its allocations have executors and apps by then.
    await waitFor("the first reaction trial", async () => output.includes("tagroll trial 1:"), {
      timeoutMs: 240_000,
      intervalMs: 500,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    const up = /agents up: consul (\S+), nomad (\S+), logs (\S+)/.exec(output);
    expect(up, output).not.toBeNull();
    const [, consul, nomad, dir] = up as unknown as [string, string, string, string];
    print = { dir, consulHttpPort: new URL(consul).port, addresses: [consul, nomad] };
    expect((await processesOf(print)).length).toBeGreaterThanOrEqual(8);

    process.kill(-bench.pid!, "SIGINT");
    await exited;
    await waitFor(
      "every process of the benchmark's cluster to stop",
      async () => (await processesOf(print!)).length === 0 && (await addressesFree(print!.addresses)),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 400_000);
});
