import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import type { StatusReport } from "../../../src/operations/index.js";
import {
  callAlloc,
  consulAddr,
  kvDeleteTree,
  kvPut,
  nomadAddr,
  purgeJob,
  waitFor,
  waitForHealthyAllocs,
} from "../../helpers/cluster.js";
import { runCli, writeConfigDir } from "../../helpers/tagroll-cli.js";
import { startApiTagroll, uniqueSuffix, type ApiTagroll } from "../api/api-runtime.js";
import { LEADER_KEY as STATE_LEADER_KEY } from "../../../src/state/kv-layout.js";

/**
 * The real CLI (`node --import tsx src/cli/main.ts …`) against the real agents and the demo job,
 * with a coordinator running in this process (and the API mounted, for remote mode).
 */
const SERVICE = `clitest-${uniqueSuffix()}`;
const KEY = `configs/${SERVICE}/IMAGE_TAG`;
const LEADER_KEY = `${STATE_LEADER_KEY}-${SERVICE}`;
const YAML = `
coordinator:
  leaderKey: ${LEADER_KEY}
services:
  - name: ${SERVICE}
    image: acme/${SERVICE}
    policy: { order: none }
`;

let app: ApiTagroll;
let configDir: Awaited<ReturnType<typeof writeConfigDir>>;
let env: Record<string, string>;

const cli = (args: string[], timeoutMs = 90_000) =>
  runCli([...args, "-c", configDir.file], { env, timeoutMs });
const remote = (args: string[], token: string) =>
  runCli(args, { env: { TAGROLL_SERVER: app.url, TAGROLL_API_TOKEN: token }, timeoutMs: 90_000 });

beforeAll(async () => {
  await kvPut(KEY, "v1");
  await registerDemoJob(nomadAddr(), { id: SERVICE, service: SERVICE, count: 2, healthyDeadline: "20s" });
  await waitForHealthyAllocs(SERVICE, 2);
  app = await startApiTagroll(YAML, { coordinator: true });
  configDir = await writeConfigDir(YAML);
  env = { CONSUL_HTTP_ADDR: consulAddr(), NOMAD_ADDR: nomadAddr(), TAGROLL_SIGNING_KEYS: app.signingKeys };
  // The coordinator adopts v1 as the value already running before anything is deployed.
  await waitFor("leadership", async () => (await fetch(`${consulAddr()}/v1/kv/${LEADER_KEY}`)).ok);
});

afterAll(async () => {
  await app?.close();
  await configDir?.remove();
  await purgeJob(SERVICE);
  await kvDeleteTree(`configs/${SERVICE}`);
  for (const dir of ["history", "requests", "rollouts"]) await kvDeleteTree(`tagroll/${dir}/${SERVICE}`);
  await kvDeleteTree(LEADER_KEY);
});

describe("tagroll CLI against a running coordinator", () => {
  it("status --json: the report of the service, allocation by allocation", async () => {
    const result = await cli(["status", SERVICE, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.leader).toBeDefined();
    expect(report.services).toHaveLength(1);
    const [status] = report.services;
    expect(status).toMatchObject({ service: SERVICE, key: KEY, desired: "v1" });
    expect(status!.allocations).toHaveLength(2);
    for (const alloc of status!.allocations) {
      expect(alloc).toMatchObject({ jobId: SERVICE, group: "app", clientStatus: "running", rendered: "v1" });
      expect(alloc.allocId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("status (human): a row per service with how many allocations render the desired value", async () => {
    const result = await cli(["status"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${SERVICE}\\s+v1\\s+2/2 on v1`));
  });

  it("deploy --wait shows the rollout allocation by allocation and exits 0 when it succeeds", async () => {
    const result = await cli(["deploy", SERVICE, "v2", "--wait"], 240_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${SERVICE}: ${KEY} v1 → v2`);
    expect(result.stdout).toMatch(new RegExp(`${SERVICE}: rollout succeeded on v2 after \\d+\\.\\ds`));
    const healthy = result.stderr.split("\n").filter((line) => / healthy$/.test(line));
    expect(new Set(healthy.map((line) => line.split(" ")[2])).size).toBe(2);
    expect(result.stderr).toContain(`${SERVICE}: starting deploy to v2 (from v1)`);
    const allocs = await waitForHealthyAllocs(SERVICE, 2);
    for (const alloc of allocs) expect((await callAlloc(alloc.ID)).tag).toBe("v2");
  });

  it("deploy --wait of a tag that fails health exits 2 and the service is back on v2", async () => {
    const result = await cli(["deploy", SERVICE, "v3-broken", "--wait", "--json"], 300_000);
    expect(result.code, result.stderr).toBe(2);
    const printed = JSON.parse(result.stdout) as {
      changed: boolean;
      rollout: { status: string; value: string };
    };
    expect(printed).toMatchObject({ changed: true, rollout: { status: "reverted", value: "v2" } });
    expect(result.stderr).toMatch(/reverting v3-broken → v2/);
  });

  it("history: a value written with consul kv put is an operator edit with its ModifyIndex", async () => {
    await kvPut(KEY, "v4"); // what `consul kv put` sends: a plain PUT, Flags 0
    const [entry] = (await (await fetch(`${consulAddr()}/v1/kv/${KEY}`)).json()) as Array<{
      ModifyIndex: number;
    }>;
    await waitFor(
      "the rollout to v4",
      async () => {
        const res = await fetch(`${consulAddr()}/v1/kv/tagroll/rollouts/${SERVICE}?raw`);
        const record = (await res.json()) as { value: string; status: string };
        return record.value === "v4" && record.status === "succeeded";
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    const table = await cli(["history", SERVICE]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`operator\\s+v4\\s+v2\\s+consul-kv\\s+written\\s+.*ModifyIndex ${entry!.ModifyIndex}\\)`),
    );
    // tagroll's own writes (the CLI's deploys, the revert) are not mistaken for outside edits.
    const json = await cli(["history", SERVICE, "--json", "--limit", "100"]);
    const { entries } = JSON.parse(json.stdout) as {
      entries: Array<{ source?: string; modifyIndex?: number }>;
    };
    expect(entries.filter((e) => e.source === "consul-kv")).toEqual([
      expect.objectContaining({ modifyIndex: entry!.ModifyIndex }),
    ]);
  });

  it("history: newest first as a table, and --json --limit", async () => {
    const table = await cli(["history", SERVICE]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+KIND\s+TAG\s+PREVIOUS\s+SOURCE\s+OUTCOME\s+MESSAGE$/);
    expect(table.stdout).toMatch(/operator\s+v2\s+v1\s+cli\s+written/);
    const json = await cli(["history", SERVICE, "--json", "--limit", "2"]);
    const report = JSON.parse(json.stdout) as { service: string; entries: Array<{ at: string }> };
    expect(report.service).toBe(SERVICE);
    expect(report.entries).toHaveLength(2);
    expect(report.entries[0]!.at >= report.entries[1]!.at).toBe(true);
  });

  it("remote mode: the same status through the API with a read token; deploy needs the deploy scope", async () => {
    const minted = await cli([
      "api-token",
      "create",
      "--scope",
      "read",
      "--subject",
      "cli-test",
      "--ttl",
      "10m",
    ]);
    expect(minted.code, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    expect(minted.stderr).toContain("API token for cli-test: scopes read;");

    const [local, viaApi] = await Promise.all([
      cli(["status", SERVICE, "--json"]),
      remote(["status", SERVICE, "--json"], token),
    ]);
    expect(viaApi.code, viaApi.stderr).toBe(0);
    const strip = (text: string) =>
      (JSON.parse(text) as StatusReport).services.map((s) => ({
        ...s,
        allocations: s.allocations.map((a) => a.allocId).sort(),
      }));
    expect(strip(viaApi.stdout)).toEqual(strip(local.stdout));

    const refused = await remote(["deploy", SERVICE, "v4"], token);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the server answered 403: this token lacks the "deploy" scope');
    const noToken = await runCli(["status", "--server", app.url], { env: {} });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain("--server needs an API token");
  });

  it("usage errors exit 1", async () => {
    const result = await cli(["history", SERVICE, "--limit", "zero"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("expected a positive whole number");
  });
});
