import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import type { WaitingView } from "../../../src/gates/gate-record.js";
import { gateKey } from "../../../src/state/kv-layout.js";
import type { Scope } from "../../../src/tokens/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { mintToken, startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { runCli, writeConfigDir, type CliResult } from "../../helpers/tagroll-cli.js";

/**
 * `tagroll approve|reject` as users run them (README, "Approvals, deploy windows and promotion"):
 * the real CLI in a child process, against tagroll's real runtime coordinating the multi-node
 * loopback cluster. Remote mode (`TAGROLL_SERVER` + an API token, the approver is its subject)
 * and local mode (`--config`, straight to Consul, the approver is `cli:<user>`). Then a revert
 * while a newer value waits for approval, on the real agents.
 */
const TWO = "gc-two";
const REV = "gc-rev";
const PLAIN = "gc-plain";

const YAML = `services:
  - name: ${TWO}
    image: acme/${TWO}
    policy: { order: none }
    approvals: { required: 2, expire: 2000h }
  - name: ${REV}
    image: acme/${REV}
    policy: { order: none }
    approvals: { required: 1 }
  - name: ${PLAIN}
    image: acme/${PLAIN}
    policy: { order: none }
`;

describe("tagroll approve|reject, the CLI end to end on a multi-node cluster", () => {
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let tagroll: BenchTagroll;
  let config: Awaited<ReturnType<typeof writeConfigDir>>;
  const tokens = {} as Record<"read" | "deploy" | "alice" | "bob", string>;

  /** Remote mode with `token`, as after `export TAGROLL_SERVER=… TAGROLL_API_TOKEN=…`. */
  const remote = (token: string, args: string[]): Promise<CliResult> =>
    runCli(args, {
      env: { TAGROLL_SERVER: tagroll.runtime.url, TAGROLL_API_TOKEN: token },
      timeoutMs: 120_000,
    });
  /** Local mode: the same configuration file, straight to the cluster's Consul and Nomad. */
  const local = (args: string[]): Promise<CliResult> =>
    runCli([...args, "--config", config.file], {
      env: { CONSUL_HTTP_ADDR: cluster.consulAddr, NOMAD_ADDR: cluster.nomadAddr },
      timeoutMs: 120_000,
    });
  const waiting = async (service: string): Promise<WaitingView | null> => {
    const res = await fetch(`${tagroll.runtime.url}/api/v1/services/${service}`, {
      headers: { authorization: `Bearer ${tokens.read}` },
      signal: AbortSignal.timeout(15_000),
    });
    return ((await res.json()) as { services: Array<{ waiting: WaitingView | null }> }).services[0]!.waiting;
  };
  const waitsAs = (service: string, value: string) =>
    waitFor(`${service} to hold ${value} for approval`, async () => {
      const w = await waiting(service);
      return w?.kind === "pending-approval" && w.value === value ? w : undefined;
    });
  const desired = async (service: string) =>
    (await tagroll.runtime.kv.get(`configs/${service}/IMAGE_TAG`))?.value ?? "";
  const gateRecord = async (service: string) => (await tagroll.runtime.kv.get(gateKey(service)))?.value;
  const started = (service: string, value: string) =>
    tagroll.events.filter(
      ({ event }) => event.type === "rollout-started" && event.service === service && event.value === value,
    );
  const history = async (service: string) => {
    const res = await remote(tokens.read, ["history", service, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    return (JSON.parse(res.stdout) as { entries: Array<{ kind: string; tag: string; source?: string }> })
      .entries;
  };

  beforeAll(async () => {
    cluster = await startTestCluster(2, resolve(`test-artifacts/gates-cli-${Date.now()}`));
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    // gc-rev's broken tag fails its health check; a short deadline makes the revert come soon.
    for (const service of [TWO, REV, PLAIN])
      await client.deployDemo(service, "v1", {
        count: 2,
        ...(service === REV && { healthyDeadline: "45s" }),
      });
    for (const service of [TWO, REV, PLAIN]) await waitForPassing(cluster.consulAddr, service, 2);
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: YAML,
      coordinator: true,
      logFile: `${cluster.dir}/tagroll.log`,
    });
    for (const service of [TWO, REV, PLAIN]) await tagroll.settled(service, "v1");
    config = await writeConfigDir(YAML);
    const mint = (scopes: Scope[], subject: string) => mintToken(tagroll, scopes, subject);
    tokens.read = await mint(["read"], "viewer");
    tokens.deploy = await mint(["deploy"], "ci");
    tokens.alice = await mint(["approve"], "alice");
    tokens.bob = await mint(["approve"], "bob");
  }, 600_000);

  afterAll(async () => {
    await tagroll?.close();
    await cluster?.stop();
    await config?.remove();
  });

  it("two approvals from distinct approvers, the same one twice counting once; status shows what waits", async () => {
    await client.kvPut(`configs/${TWO}/IMAGE_TAG`, "v2");
    await waitsAs(TWO, "v2");
    await waitFor("v2 parked", async () => (await desired(TWO)) === "v1");

    const status = await remote(tokens.read, ["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`${TWO}: v2 waits for approval (0/2), expires `);
    expect(status.stdout).toContain(`tagroll approve ${TWO}`);

    const first = await remote(tokens.alice, ["approve", TWO, "--value", "v2"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`${TWO}: v2 approved (1/2); needs more approvals`);
    const twice = await remote(tokens.alice, ["approve", TWO]);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain("alice already approved v2 on gc-two (1/2)");
    expect(twice.stderr).toContain("distinct approvers");
    expect((await waiting(TWO))?.approvals.map((a) => a.by)).toEqual(["alice"]);

    const between = await local(["status"]);
    expect(between.code, between.stderr).toBe(0);
    expect(between.stdout).toContain(`${TWO}: v2 waits for approval (1/2: alice)`);
    expect(started(TWO, "v2")).toEqual([]);
    for (const alloc of await client.runningAllocs(TWO)) expect(await client.servedTag(alloc.ID)).toBe("v1");

    // The second approver, in local mode: `cli:<user>`, distinct from alice.
    const second = await local(["approve", TWO, "--json"]);
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout) as { approved: boolean; approvals: Array<{ by: string }> };
    expect(result.approved).toBe(true);
    expect(result.approvals.map((a) => a.by)).toEqual(["alice", expect.stringMatching(/^cli:/)]);
    await tagroll.finished(TWO, "v2");
    await client.waitForTag(TWO, 2, "v2");
    expect(await waiting(TWO)).toBeNull();
    expect(started(TWO, "v2")).toHaveLength(1);
    const after = await remote(tokens.read, ["status"]);
    expect(after.stdout).not.toContain("waits for approval");
    expect((await history(TWO)).map((e) => [e.kind, e.tag, e.source])).toEqual(
      expect.arrayContaining([
        ["approved", "v2", "alice"],
        ["approved", "v2", result.approvals[1]!.by],
      ]),
    );
  });

  it("reject drops the waiting value with a history entry; nothing rolls out", async () => {
    await client.kvPut(`configs/${TWO}/IMAGE_TAG`, "v3");
    await waitsAs(TWO, "v3");
    const rejected = await remote(tokens.bob, [
      "reject",
      TWO,
      "--value",
      "v3",
      "--reason",
      "breaks checkout",
    ]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout.trim()).toBe(`${TWO}: v3 rejected by bob`);
    await waitFor("the key back on v2", async () => (await desired(TWO)) === "v2");
    expect(await waiting(TWO)).toBeNull();
    expect((await history(TWO))[0]).toMatchObject({
      kind: "rejected",
      tag: "v3",
      source: "bob",
      message: "rejected by bob: breaks checkout",
    });
    // Later looks of the gate change nothing: still nothing started, the allocations serve v2.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(started(TWO, "v3")).toEqual([]);
    expect(await desired(TWO)).toBe("v2");
    for (const alloc of await client.runningAllocs(TWO)) expect(await client.servedTag(alloc.ID)).toBe("v2");
  });

  it("bad input and a token without the approve scope: non-zero exit, a clear message, nothing changed", async () => {
    await client.kvPut(`configs/${TWO}/IMAGE_TAG`, "v4");
    await waitsAs(TWO, "v4");
    const before = await gateRecord(TWO);
    const historyBefore = (await history(TWO)).length;

    // One at a time: ten CLI processes at once would only race the timeout on a loaded machine.
    const cases: Array<[string, () => Promise<CliResult>, string]> = [
      ["unknown service", () => remote(tokens.alice, ["approve", "nope"]), 'unknown service "nope"'],
      ["unknown service (reject)", () => remote(tokens.alice, ["reject", "nope"]), 'unknown service "nope"'],
      [
        "nothing waiting",
        () => remote(tokens.alice, ["approve", PLAIN]),
        `nothing is waiting for approval on ${PLAIN}`,
      ],
      [
        "wrong --value",
        () => remote(tokens.alice, ["approve", TWO, "--value", "v9"]),
        `v9 is not waiting on ${TWO}; the waiting value is v4`,
      ],
      [
        "wrong --value (reject)",
        () => remote(tokens.alice, ["reject", TWO, "--value", "v9"]),
        `v9 is not waiting on ${TWO}; the waiting value is v4`,
      ],
      ["not a tag", () => remote(tokens.alice, ["approve", TWO, "--value", "v 4"]), "not a valid image tag"],
      ["deploy scope", () => remote(tokens.deploy, ["approve", TWO]), "approve"],
      ["read scope", () => remote(tokens.read, ["reject", TWO]), "approve"],
      ["local, wrong --value", () => local(["approve", TWO, "--value", "v9"]), "the waiting value is v4"],
      ["local, unknown service", () => local(["reject", "nope"]), 'unknown service "nope"'],
    ];
    for (const [what, run, message] of cases) {
      const res = await run();
      expect(res.code, `${what}: ${res.stdout}`).not.toBe(0);
      expect(res.stderr, what).toContain(message);
    }
    // Scope refusals name the status and the missing scope.
    const scope = await remote(tokens.deploy, ["approve", TWO]);
    expect(scope.stderr).toMatch(/403|forbidden|scope/i);

    expect(await gateRecord(TWO)).toBe(before);
    expect((await history(TWO)).length).toBe(historyBefore);
    expect((await waiting(TWO))?.approvals).toEqual([]);
    expect(started(TWO, "v4")).toEqual([]);
    // Clean up for the next test: reject v4.
    expect((await remote(tokens.bob, ["reject", TWO])).code).toBe(0);
  }, 300_000);

  it("a failing rollout reverts while a newer value waits for approval; the waiting value waits on", async () => {
    await client.kvPut(`configs/${REV}/IMAGE_TAG`, "v2-broken");
    await waitsAs(REV, "v2-broken");
    expect((await remote(tokens.alice, ["approve", REV])).code).toBe(0);
    await waitFor("v2-broken to start", async () => started(REV, "v2-broken").length > 0);
    // While v2-broken rolls out (its first allocation restarting), v3 arrives and is held.
    await client.kvPut(`configs/${REV}/IMAGE_TAG`, "v3");
    await waitsAs(REV, "v3");
    // A reverted rollout's finish event carries the value it ended on (v1): follow it by its id.
    const { rolloutId } = started(REV, "v2-broken")[0]!.event as { rolloutId: string };
    const ended = await waitFor(
      "v2-broken's rollout to end",
      async () =>
        tagroll.events.find(
          ({ event }) => event.type === "rollout-finished" && event.rolloutId === rolloutId,
        ),
      { timeoutMs: 240_000 },
    );
    expect(ended.event).toMatchObject({ status: "reverted", value: "v1" });
    // The revert wrote v1 back; v3 still waits, unapproved and never started.
    await waitFor("v1 back in the key", async () => (await desired(REV)) === "v1");
    await client.waitForTag(REV, 2, "v1");
    expect(await waiting(REV)).toMatchObject({ value: "v3", kind: "pending-approval", approvals: [] });
    expect(started(REV, "v3")).toEqual([]);
    const status = await remote(tokens.read, ["status"]);
    expect(status.stdout).toContain(`${REV}: v3 waits for approval (0/1)`);
    const kinds = (await history(REV)).map((e) => [e.kind, e.tag]);
    expect(kinds).not.toContainEqual(["pending-approval", "v1"]);
    // Stays so: a few more looks of the gate start nothing.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(started(REV, "v3")).toEqual([]);
    expect(await desired(REV)).toBe("v1");

    const approved = await remote(tokens.bob, ["approve", REV, "--value", "v3"]);
    expect(approved.code, approved.stderr).toBe(0);
    const done = await tagroll.finished(REV, "v3");
    expect(done.event).toMatchObject({ status: "succeeded" });
    await client.waitForTag(REV, 2, "v3");
    expect(started(REV, "v3")).toHaveLength(1);
    expect(await waiting(REV)).toBeNull();
  }, 480_000);
});
