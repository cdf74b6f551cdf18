import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import type { GateEvent } from "../../../src/coordinator/index.js";
import type { WaitingView } from "../../../src/gates/gate-record.js";
import type { HistoryEntry } from "../../../src/state/history-store.js";
import { createAdminToken, type Scope } from "../../../src/tokens/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { ShiftedClock } from "../../helpers/shifted-clock.js";

/**
 * Approvals, deploy windows and promotion (README, "Approvals, deploy windows and promotion") on
 * the multi-node loopback cluster, through tagroll's real runtime: values are pushed with
 * `consul kv put` semantics, approved through the admin API with real tokens, and rolled out
 * by the leader. tagroll's clock starts on a Saturday (ShiftedClock) so the deploy window test
 * can jump to Monday morning; every other part runs on that clock too, at wall-clock speed.
 */
const APPROVE = "gt-approve";
const WINDOW = "gt-window";
const STAGE = "gt-stage";
const PROD = "gt-prod";
const SATURDAY_NOON_BERLIN = Date.parse("2026-11-28T11:00:00Z");
const MONDAY_0900_BERLIN = Date.parse("2026-11-30T08:00:00Z");
const MONDAY_1800_BERLIN = Date.parse("2026-11-30T17:00:00Z");

const YAML = `services:
  - name: ${APPROVE}
    image: acme/${APPROVE}
    policy: { order: none }
    approvals: { required: 1, expire: 2000h }
  - name: ${WINDOW}
    image: acme/${WINDOW}
    policy: { order: none }
    windows: ["Mon-Fri 09:00-17:00 Europe/Berlin"]
  - name: ${STAGE}
    image: acme/${STAGE}
    policy: { order: none }
    promote: { to: ${PROD}, when: succeeded, approvals: 1 }
  - name: ${PROD}
    image: acme/${PROD}
    policy: { order: none }
`;

interface ServiceJson {
  service: string;
  desired?: string;
  waiting: WaitingView | null;
}

describe("approvals, deploy windows and promotion on a multi-node cluster", () => {
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let tagroll: BenchTagroll;
  const clock = new ShiftedClock(SATURDAY_NOON_BERLIN);
  const tokens = {} as Record<Scope | "approver2", string>;

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${tagroll.runtime.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const status = async (service: string) =>
    ((await api("GET", `/services/${service}`, tokens.read)).body as { services: ServiceJson[] })
      .services[0]!;
  const waitingOf = (service: string, kind: WaitingView["kind"], value: string) =>
    waitFor(`${service} to hold ${value} as ${kind}`, async () => {
      const waiting = (await status(service)).waiting;
      return waiting?.kind === kind && waiting.value === value ? waiting : undefined;
    });
  const history = async (service: string) =>
    ((await api("GET", `/services/${service}/history`, tokens.read)).body as { entries: HistoryEntry[] })
      .entries;
  const started = (service: string, value: string) =>
    tagroll.events.filter(
      ({ event }) => event.type === "rollout-started" && event.service === service && event.value === value,
    );
  const gateEvents = (service: string) =>
    tagroll.events
      .map(({ event }) => event)
      .filter((e): e is GateEvent => e.type === "gate" && e.service === service);
  const metric = async (service: string, kind: string) => {
    const text = await (await fetch(`${tagroll.runtime.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`tagroll_waiting_values{service="${service}",kind="${kind}"}`));
    return line === undefined ? undefined : Number(line.split(" ").at(-1));
  };

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    for (const service of [APPROVE, WINDOW, STAGE, PROD])
      await client.deployDemo(service, "v1", { count: 2 });
    for (const service of [APPROVE, WINDOW, STAGE, PROD])
      await waitForPassing(cluster.consulAddr, service, 2);
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: YAML,
      coordinator: true,
      logFile: `${cluster.dir}/tagroll.log`,
      clock,
    });
    for (const service of [APPROVE, WINDOW, STAGE, PROD]) await tagroll.settled(service, "v1");
    const mint = async (scopes: Scope[], subject: string) =>
      (
        await createAdminToken(
          tagroll.config.keys,
          tagroll.config.activeKeyId,
          { subject, scopes, expiresIn: 30 * 86_400 },
          clock,
        )
      ).token;
    tokens.read = await mint(["read"], "viewer");
    tokens.deploy = await mint(["deploy"], "ci");
    tokens.approve = await mint(["approve"], "alice");
    tokens.approver2 = await mint(["approve"], "bob");
    tokens.admin = await mint(["admin"], "root");
  }, 600_000);

  afterAll(async () => {
    await tagroll?.close();
    await cluster?.stop();
  });

  it("a push to an approval-gated service waits until approved from the API, then rolls out once", async () => {
    await client.kvPut(`configs/${APPROVE}/IMAGE_TAG`, "v2");
    const waiting = await waitingOf(APPROVE, "pending-approval", "v2");
    expect(waiting).toMatchObject({ required: 1, approvals: [] });
    expect(Date.parse(waiting.expiresAt!)).toBe(Date.parse(waiting.since) + 2000 * 3_600_000);
    expect(await metric(APPROVE, "pending-approval")).toBe(1);
    await waitFor("v2 parked", async () => (await status(APPROVE)).desired === "v1");
    expect(started(APPROVE, "v2")).toEqual([]);
    expect((await client.runningAllocs(APPROVE)).length).toBe(2);
    for (const alloc of await client.runningAllocs(APPROVE))
      expect(await client.servedTag(alloc.ID)).toBe("v1");

    // Who may not approve, and a value that is not the one waiting: refused, nothing changes.
    expect((await api("POST", `/services/${APPROVE}/approve`, tokens.deploy, {})).status).toBe(403);
    expect((await api("POST", `/services/${APPROVE}/approve`, tokens.read, {})).status).toBe(403);
    const mismatch = await api("POST", `/services/${APPROVE}/approve`, tokens.approve, { value: "v9" });
    expect(mismatch).toMatchObject({
      status: 409,
      body: { message: `v9 is not waiting on ${APPROVE}; the waiting value is v2` },
    });
    expect((await status(APPROVE)).waiting?.approvals).toEqual([]);

    const approved = await api("POST", `/services/${APPROVE}/approve`, tokens.approve, {});
    expect(approved).toMatchObject({ status: 200, body: { value: "v2", approved: true, required: 1 } });
    expect((approved.body["approvals"] as Array<{ by: string }>).map((a) => a.by)).toEqual(["alice"]);
    await tagroll.finished(APPROVE, "v2");
    await client.waitForTag(APPROVE, 2, "v2");
    expect((await status(APPROVE)).waiting).toBeNull();
    expect(await metric(APPROVE, "pending-approval")).toBe(0);

    // The approval is spent: a second one finds nothing waiting, and one rollout ran.
    const again = await api("POST", `/services/${APPROVE}/approve`, tokens.approver2, {});
    expect(again).toMatchObject({
      status: 409,
      body: { message: `nothing is waiting for approval on ${APPROVE}` },
    });
    expect(started(APPROVE, "v2")).toHaveLength(1);
    const kinds = (await history(APPROVE))
      .reverse()
      .map((e) => [e.kind, e.tag, e.source ?? "", e.outcome ?? ""]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ["pending-approval", "v2", "gate", "pending-approval"],
        ["approved", "v2", "alice", "approved"],
        ["rollout", "v2", "", "succeeded"],
      ]),
    );
    expect(gateEvents(APPROVE).map((e) => e.change)).toEqual(["pending-approval", "released"]);
  });

  it("a rejected value never rolls out and the key goes back to the running value", async () => {
    await client.kvPut(`configs/${APPROVE}/IMAGE_TAG`, "v3");
    await waitingOf(APPROVE, "pending-approval", "v3");
    const rejected = await api("POST", `/services/${APPROVE}/reject`, tokens.approver2, {
      reason: "not today",
    });
    expect(rejected).toMatchObject({
      status: 200,
      body: { value: "v3", rejectedBy: "bob", reason: "not today" },
    });
    await waitFor("the key back on v2", async () => (await status(APPROVE)).desired === "v2");
    expect((await status(APPROVE)).waiting).toBeNull();
    expect(started(APPROVE, "v3")).toEqual([]);
    expect((await history(APPROVE))[0]).toMatchObject({
      kind: "rejected",
      tag: "v3",
      message: "rejected by bob: not today",
    });
  });

  it("a successful staging rollout proposes to production, which waits for its approval", async () => {
    await client.kvPut(`configs/${STAGE}/IMAGE_TAG`, "v2");
    await tagroll.finished(STAGE, "v2");
    const waiting = await waitingOf(PROD, "pending-approval", "v2");
    expect(waiting).toMatchObject({ required: 1, from: STAGE });
    // Parked while it waits: the key holds what runs, so nothing Nomad restarts picks v2 up.
    await waitFor("v2 parked in gt-prod's gate", async () => (await status(PROD)).desired === "v1");
    expect(started(PROD, "v2")).toEqual([]);
    expect((await history(STAGE))[0]).toMatchObject({
      kind: "promoted-to",
      tag: "v2",
      source: PROD,
      outcome: "proposed",
    });
    expect(await history(PROD)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "promoted-from", tag: "v2", previous: "v1", source: STAGE }),
      ]),
    );

    expect((await api("POST", `/services/${PROD}/approve`, tokens.approve, { value: "v2" })).status).toBe(
      200,
    );
    await tagroll.finished(PROD, "v2");
    await client.waitForTag(PROD, 2, "v2");
    expect(started(PROD, "v2")).toHaveLength(1);
    expect(gateEvents(STAGE).map((e) => [e.change, e.to])).toEqual([["promoted", PROD]]);
  });

  it("a push outside the deploy window starts when the window opens; deploy --now overrides", async () => {
    await client.kvPut(`configs/${WINDOW}/IMAGE_TAG`, "v2");
    const scheduled = await waitingOf(WINDOW, "scheduled", "v2");
    expect(scheduled.opensAt).toBe(new Date(MONDAY_0900_BERLIN).toISOString());
    expect(await metric(WINDOW, "scheduled")).toBe(1);
    expect(started(WINDOW, "v2")).toEqual([]);

    clock.set(MONDAY_0900_BERLIN);
    await tagroll.finished(WINDOW, "v2");
    await client.waitForTag(WINDOW, 2, "v2");
    expect((await status(WINDOW)).waiting).toBeNull();
    // The jump also trips the leader's watchdog (a whole session TTL passed on its clock without a
    // renewal), so the window may open under the next term, which finds v2 where the last left it.
    const news = gateEvents(WINDOW).filter((e) => !e.resumed);
    expect(news.map((e) => e.change)).toEqual(["scheduled", "released"]);

    // Monday evening, outside the window again: an admin may start a value at once.
    clock.set(MONDAY_1800_BERLIN);
    await client.kvPut(`configs/${WINDOW}/IMAGE_TAG`, "v3");
    await waitingOf(WINDOW, "scheduled", "v3");
    const denied = await api("POST", `/services/${WINDOW}/deploy`, tokens.deploy, { tag: "v3", now: true });
    expect(denied.status).toBe(403);
    const now = await api("POST", `/services/${WINDOW}/deploy`, tokens.admin, { tag: "v3", now: true });
    expect(now.status).toBe(202);
    await tagroll.finished(WINDOW, "v3");
    await client.waitForTag(WINDOW, 2, "v3");
    expect((await history(WINDOW)).map((e) => e.kind)).toEqual(
      expect.arrayContaining(["deploy-now", "scheduled"]),
    );
    expect((await history(WINDOW)).find((e) => e.kind === "deploy-now")).toMatchObject({
      tag: "v3",
      source: "root",
    });
  });
});
