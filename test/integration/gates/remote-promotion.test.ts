import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import type { WaitingView } from "../../../src/gates/gate-record.js";
import type { PromotionView } from "../../../src/operations/service-status.js";
import type { HistoryEntry } from "../../../src/state/history-store.js";
import { AgentClient } from "../../bench/agent-client.js";
import { mintToken, startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTestCluster, waitForPassing } from "../../helpers/multi-node.js";

/**
 * Promotion to a service on another Consul/Nomad pair (README, "Promotion to another cluster"):
 * two separate multi-node loopback clusters, A (staging) and B (production), each with its own
 * tagroll. A's tagroll reaches B's Consul through a TCP relay the test can cut, to play "pair B
 * unreachable"; B's tagroll knows nothing of A and applies its own gate to what arrives.
 */
const STAGE = "rp-stage";
const PROD = "rp-prod";
const TOKEN_FILE = "/bench/pair-b-consul.token";
const CONSUL_TOKEN = "pair-b-consul-token-0f3c9a";

/** A TCP relay to `target` on a fixed port that can be closed (connections refused) and reopened. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(this.port, "127.0.0.1", () => done());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server = undefined;
  }
}

interface ServiceJson {
  desired?: string;
  waiting: WaitingView | null;
  promotion?: PromotionView;
}

describe("promotion to a service on another Consul/Nomad pair", () => {
  let a: MultiNodeCluster;
  let b: MultiNodeCluster;
  let clientA: AgentClient;
  let clientB: AgentClient;
  let relay: Relay;
  let tagrollA: BenchTagroll;
  let tagrollB: BenchTagroll;
  const tokens = {} as Record<"a" | "b" | "approveB", string>;

  const mint = mintToken;
  const api = async (t: BenchTagroll, token: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.runtime.url}/api/v1${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const status = async (t: BenchTagroll, token: string, service: string) =>
    ((await api(t, token, `/services/${service}`)).body as { services: ServiceJson[] }).services[0]!;
  const history = async (t: BenchTagroll, token: string, service: string) =>
    ((await api(t, token, `/services/${service}/history`)).body as { entries: HistoryEntry[] }).entries;
  const waitsOnB = (value: string) =>
    waitFor(
      `${PROD} on pair B to hold ${value} for approval`,
      async () => {
        const w = (await status(tagrollB, tokens.b, PROD)).waiting;
        return w?.kind === "pending-approval" && w.value === value ? w : undefined;
      },
      { timeoutMs: 180_000 },
    );
  const startedOnB = (value: string) =>
    tagrollB.events.filter(
      ({ event }) => event.type === "rollout-started" && event.service === PROD && event.value === value,
    );
  const metricA = async (change: string) => {
    const text = await (await fetch(`${tagrollA.runtime.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`tagroll_gate_changes_total{service="${STAGE}",change="${change}"}`));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };
  const startA = () =>
    startBenchTagroll({
      consulAddr: a.consulAddr,
      nomadAddr: a.nomadAddr,
      yaml: `services:
  - name: ${STAGE}
    image: acme/${STAGE}
    policy: { order: none }
    promote:
      to: ${PROD}
      approvals: 1
      consul: { address: "http://127.0.0.1:${relay.port}", tokenFile: ${TOKEN_FILE} }
`,
      files: { [TOKEN_FILE]: `${CONSUL_TOKEN}\n` },
      coordinator: true,
      logFile: `${a.dir}/tagroll-a.log`,
    });

  beforeAll(async () => {
    const logs = resolve(`test-artifacts/remote-promotion-${Date.now()}`);
    a = await startTestCluster(2, `${logs}/pair-a`);
    b = await startTestCluster(2, `${logs}/pair-b`);
    clientA = new AgentClient(a.consulAddr, a.nomadAddr);
    clientB = new AgentClient(b.consulAddr, b.nomadAddr);
    await clientA.deployDemo(STAGE, "v1", { count: 2 });
    await clientB.deployDemo(PROD, "v1", { count: 2 });
    await waitForPassing(a.consulAddr, STAGE, 2);
    await waitForPassing(b.consulAddr, PROD, 2);
    relay = new Relay(new URL(b.consulAddr));
    await relay.open();
    tagrollA = await startA();
    // Pair B's tagroll: the target has no approvals of its own; it accepts promotions, so the
    // promoter's `approvals: 1` applies there.
    tagrollB = await startBenchTagroll({
      consulAddr: b.consulAddr,
      nomadAddr: b.nomadAddr,
      yaml: `services:
  - name: ${PROD}
    image: acme/${PROD}
    policy: { order: none }
    acceptsPromotions: true
`,
      coordinator: true,
      logFile: `${b.dir}/tagroll-b.log`,
    });
    await tagrollA.settled(STAGE, "v1");
    await tagrollB.settled(PROD, "v1");
    tokens.a = await mint(tagrollA, ["read"], "viewer");
    tokens.b = await mint(tagrollB, ["read"], "viewer");
    tokens.approveB = await mint(tagrollB, ["approve"], "carol");
  }, 900_000);

  afterAll(async () => {
    await tagrollA?.close();
    await tagrollB?.close();
    await relay?.close();
    await a?.stop();
    await b?.stop();
  });

  it("a staging rollout on pair A proposes to pair B, which waits for its approval, then rolls out", async () => {
    await clientA.kvPut(`configs/${STAGE}/IMAGE_TAG`, "v2");
    expect((await tagrollA.finished(STAGE, "v2")).event).toMatchObject({ status: "succeeded" });
    const waiting = await waitsOnB("v2");
    expect(waiting).toMatchObject({
      required: 1,
      approvals: [],
      from: `${STAGE}@${new URL(a.consulAddr).host}`,
    });
    await waitFor(
      "v2 parked on pair B",
      async () => (await status(tagrollB, tokens.b, PROD)).desired === "v1",
    );
    expect(startedOnB("v2")).toEqual([]);
    for (const alloc of await clientB.runningAllocs(PROD))
      expect(await clientB.servedTag(alloc.ID)).toBe("v1");
    expect(await history(tagrollB, tokens.b, PROD)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "promoted-from", tag: "v2", previous: "v1", source: waiting.from }),
        expect.objectContaining({ kind: "pending-approval", tag: "v2" }),
      ]),
    );
    await waitFor("promoted-to on pair A", async () =>
      (await history(tagrollA, tokens.a, STAGE)).find((e) => e.kind === "promoted-to" && e.tag === "v2"),
    );
    expect((await history(tagrollA, tokens.a, STAGE)).find((e) => e.kind === "promoted-to")).toMatchObject({
      outcome: "proposed",
      source: PROD,
    });
    expect((await status(tagrollA, tokens.a, STAGE)).promotion).toBeUndefined();

    const approved = await api(tagrollB, tokens.approveB, `/services/${PROD}/approve`, { value: "v2" });
    expect(approved).toMatchObject({ status: 200, body: { approved: true } });
    expect((await tagrollB.finished(PROD, "v2")).event).toMatchObject({ status: "succeeded" });
    await clientB.waitForTag(PROD, 2, "v2");
    expect(startedOnB("v2")).toHaveLength(1);
    // Pair A's job never saw pair B's value and vice versa: each runs its own rollout.
    await clientA.waitForTag(STAGE, 2, "v2");
  }, 600_000);

  it("pair B unreachable: staging rolls out anyway, the promotion shows as failing, survives a leader change, and lands", async () => {
    await relay.close();
    await clientA.kvPut(`configs/${STAGE}/IMAGE_TAG`, "v3");
    expect((await tagrollA.finished(STAGE, "v3")).event).toMatchObject({ status: "succeeded" });
    await clientA.waitForTag(STAGE, 2, "v3");
    const pending = await waitFor(
      "the failing promotion in pair A's status",
      async () => {
        const p = (await status(tagrollA, tokens.a, STAGE)).promotion;
        return p && p.attempts >= 2 ? p : undefined;
      },
      { timeoutMs: 120_000 },
    );
    expect(pending).toMatchObject({ to: PROD, value: "v3" });
    expect(pending.lastError).toMatch(/127\.0\.0\.1:\d+/);
    expect(await metricA("promotion-failed")).toBeGreaterThanOrEqual(2);
    // Meanwhile staging's own rollouts are not held up.
    await clientA.kvPut(`configs/${STAGE}/IMAGE_TAG`, "v4");
    expect((await tagrollA.finished(STAGE, "v4")).event).toMatchObject({ status: "succeeded" });
    await clientA.waitForTag(STAGE, 2, "v4");
    const newest = await waitFor("v4 pending in its place", async () => {
      const p = (await status(tagrollA, tokens.a, STAGE)).promotion;
      return p?.value === "v4" ? p : undefined;
    });
    expect(newest.to).toBe(PROD);

    // A leader change while it is pending: the new leader goes on with it.
    await tagrollA.close();
    tagrollA = await startA();
    tokens.a = await mint(tagrollA, ["read"], "viewer"); // its signing keys are new
    expect(await status(tagrollB, tokens.b, PROD)).toMatchObject({ desired: "v2", waiting: null });
    await relay.open();
    await waitsOnB("v4");
    await waitFor(
      "nothing pending on pair A",
      async () => !(await status(tagrollA, tokens.a, STAGE)).promotion,
    );
    expect((await history(tagrollA, tokens.a, STAGE)).find((e) => e.kind === "promoted-to")).toMatchObject({
      tag: "v4",
      outcome: "proposed",
    });
    expect(startedOnB("v4")).toEqual([]);
    // The Consul token of pair B is in no log line.
    for (const log of [`${a.dir}/tagroll-a.log`, `${b.dir}/tagroll-b.log`])
      expect(await readFile(log, "utf8")).not.toContain(CONSUL_TOKEN);
  }, 600_000);
});
