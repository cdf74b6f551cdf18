import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../../src/agents/free-port.js";
import { waitFor } from "../../helpers/cluster.js";

/**
 * What the README promises a newcomer: `tagroll dev` starts everything, prints a curl that
 * simulates a Docker Hub push, and the rollout it triggers completes allocation by allocation;
 * Ctrl-C stops everything it started. Run as the real CLI, with its own agents.
 */
describe("tagroll dev", () => {
  let child: ChildProcess | undefined;
  const lines: string[] = [];

  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it.each([1, 2])(
    "on %i client node(s): takes the printed curl to a completed rollout, then stops everything on SIGINT",
    async (nodes) => {
      lines.length = 0;
      // Port 0: tagroll dev holds a free port from its start, so no parallel test can take it.
      const args = ["--import", "tsx", "src/cli/main.ts", "dev", "--port", "0", "--nodes", String(nodes)];
      child = spawn(process.execPath, args, {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n")));
      child.stderr?.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n")));
      const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

      const curl = await waitFor("the printed curl", async () => lines.find((l) => l.includes("curl -sS")), {
        timeoutMs: 120_000,
      });
      const addresses = lines.find((l) => l.includes("Consul http"));
      const consul = /Consul (http:\/\/\S+)/.exec(addresses ?? "")?.[1];
      const nomad = /Nomad (http:\/\/\S+)/.exec(addresses ?? "")?.[1];
      const tagroll = /tagroll (http:\/\/127\.0\.0\.1:\d+)/.exec(addresses ?? "")?.[1];
      expect(consul && nomad && tagroll).toBeTruthy();
      expect(tagroll).not.toMatch(/:0$/);
      expect(lines.some((l) => l.includes(`${tagroll}/#token=`))).toBe(true);

      // Run the curl as a user would paste it: its JSON body and URL, through a real POST.
      const match = /--data '(.+)' (http:\/\/\S+)$/.exec(curl.trim());
      expect(match).not.toBeNull();
      const res = await fetch(match![2]!, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: match![1]!,
      });
      expect(res.status).toBe(202);

      await waitFor(
        "the rollout to finish",
        async () => lines.some((l) => /rollout succeeded on v2/.test(l)),
        {
          timeoutMs: 120_000,
        },
      );
      const restarted = new Set(lines.filter((l) => / restarting$/.test(l)).map((l) => l.split(" ")[3]));
      expect(restarted.size, lines.join("\n")).toBe(3);
      const allocs = (await (await fetch(`${nomad}/v1/job/demo/allocations`)).json()) as Array<{
        ID: string;
        ClientStatus: string;
        NodeName: string;
      }>;
      const running = allocs.filter((a) => a.ClientStatus === "running");
      expect(running).toHaveLength(3);
      expect(new Set(running.map((a) => a.NodeName)).size).toBe(nodes);
      const nodeAgents = [
        ...(lines.find((l) => l.includes("client nodes:")) ?? "").matchAll(/http:\/\/127\.0\.0\.\d+:\d+/g),
      ];
      expect(nodeAgents).toHaveLength(nodes === 1 ? 0 : 2 * nodes);
      expect(await (await fetch(`${consul}/v1/kv/configs/demo/IMAGE_TAG?raw`)).text()).toBe("v2");

      child.kill("SIGINT");
      expect(await exited).toBe(0);
      await expect(
        fetch(`${consul}/v1/status/leader`, { signal: AbortSignal.timeout(2_000) }),
      ).rejects.toThrow();
      await expect(
        fetch(`${nomad}/v1/status/leader`, { signal: AbortSignal.timeout(2_000) }),
      ).rejects.toThrow();
      for (const [agent] of nodeAgents) {
        await expect(
          fetch(`${agent}/v1/status/leader`, { signal: AbortSignal.timeout(2_000) }),
        ).rejects.toThrow();
      }
    },
  );

  it("refuses a port in use before it starts any agent, saying what to pass instead", async () => {
    const port = await freePort();
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(port, "127.0.0.1", done));
    try {
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", "src/cli/main.ts", "dev", "--port", String(port)],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`127.0.0.1:${port} is in use (EADDRINUSE)`);
      expect(run.stderr).toContain("--port 0");
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/starting (consul|nomad)/);
    } finally {
      await new Promise<void>((done) => taken.close(() => done()));
    }
  });
});
