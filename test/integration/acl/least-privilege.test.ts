import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { Operations } from "../../../src/operations/index.js";
import { parseRolloutRecord } from "../../../src/coordinator/index.js";
import { parseDemoJob, registerDemoJob } from "../../../src/demo/demo-job.js";
import { issueWebhookToken, TokenRegistry } from "../../../src/tokens/index.js";
import { waitFor } from "../../helpers/cluster.js";
import { linesContaining, startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { readSecrets, startAclCluster, waitForHealthy, type AclCluster } from "./acl-cluster.js";
import { checkWith, pushDemoTag } from "./tagroll-calls.js";
import { LEADER_KEY, rolloutKey } from "../../../src/state/kv-layout.js";
import { createNomadToken } from "../../../src/agents/acl-bootstrap.js";
import { EventSubscriber } from "../../../src/coordinator/nomad-events/index.js";
import { openNomadEvents } from "../../../src/nomad/event-stream.js";
import { NomadHttp } from "../../../src/nomad/nomad-http.js";

/**
 * Issue 5, "Done when": tagroll against agents with ACLs enabled (default deny), holding only
 * tokens made from deploy/acl/consul-tagroll.hcl and deploy/acl/nomad-tagroll.hcl, does its
 * whole job — and those tokens cannot do more.
 */
const KEY = "configs/demo/IMAGE_TAG";
const YAML = `
services:
  - name: demo
    image: docker.io/tagroll/demo
    policy:
      order: none
`;

describe("least-privilege ACL policies on ACL-enabled agents", () => {
  let c: AclCluster;
  let tagroll: TestTagroll | undefined;

  beforeAll(async () => {
    c = await startAclCluster();
    const { consulToken, nomadToken } = c.management;
    expect((await c.consul.call(consulToken, "PUT", `/v1/kv/${KEY}`, "v1")).status).toBe(200);
    await registerDemoJob(c.cluster.nomadAddr, { minHealthyTime: "1s" }, nomadToken);
    await waitForHealthy(c, "demo", 3);
    tagroll = await startTagroll({
      yaml: YAML,
      coordinator: true,
      env: {
        CONSUL_HTTP_ADDR: c.cluster.consulAddr,
        NOMAD_ADDR: c.cluster.nomadAddr,
        CONSUL_HTTP_TOKEN: c.tagroll.consulToken,
        NOMAD_TOKEN: c.tagroll.nomadToken,
      },
    });
  });

  afterAll(async () => {
    await tagroll?.close();
    await c?.cluster.stop();
  });

  const kvValue = async (key: string) =>
    (await c.consul.call(c.management.consulToken, "GET", `/v1/kv/${key}?raw`)).text;

  it("serves a webhook, leads and rolls out all allocations health-gated with only those tokens", async () => {
    const t = tagroll!;
    const ops = new Operations({
      config: t.config,
      kv: t.runtime.kv,
      nomad: t.runtime.nomad,
      logger: createLogger({ level: "silent" }),
    });
    const leader = await waitFor("a leader session on tagroll/leader", async () => {
      const [entry] = await c.consul.json<Array<{ Session?: string }>>(
        c.management.consulToken,
        `/v1/kv/${LEADER_KEY}`,
      );
      return entry?.Session;
    });
    expect(leader).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor("baseline adopted", async () => {
      return parseRolloutRecord(await kvValue(rolloutKey("demo")))?.kind === "adopted";
    });
    const before = await waitForHealthy(c, "demo", 3);

    const { token, jti } = await issueWebhookToken({
      keys: t.config.keys,
      activeKid: t.config.activeKeyId,
      service: "demo",
      clock: systemClock,
      registry: new TokenRegistry(t.runtime.kv),
    });
    const push = (tag: string) => pushDemoTag(`${t.url}/hooks/${token}`, tag);
    const accepted = await push("v2");
    expect(accepted.status, accepted.text).toBe(202);
    expect(await kvValue(KEY)).toBe("v2");

    const finished = await waitFor(
      "rollout of v2 to finish",
      async () => {
        const rollout = (await ops.status("demo")).services[0]?.rollout;
        return rollout?.value === "v2" && rollout.finishedAt !== undefined ? rollout : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    expect(finished.status, finished.error).toBe("succeeded");
    expect(finished.allocs.map((a) => a.allocId).sort()).toEqual(before.map((a) => a.ID).sort());
    expect(finished.allocs.every((a) => a.state === "healthy" && a.restartedFor === "v2")).toBe(true);
    // The demo job declares its service in the group: Nomad drained each allocation itself.
    expect(finished.allocs.map((a) => [a.drain, a.undrained])).toEqual([
      ["nomad", undefined],
      ["nomad", undefined],
      ["nomad", undefined],
    ]);
    const after = await waitForHealthy(c, "demo", 3);
    expect(after.every((a) => (a.TaskStates?.app?.Restarts ?? 0) >= 1)).toBe(true);

    const status = await ops.status("demo");
    expect(status.leader?.instance).toBeTruthy();
    expect(status.services[0]).toMatchObject({ desired: "v2" });
    expect(status.services[0]?.error).toBeUndefined();
    expect(status.services[0]?.allocations.map((a) => a.rendered)).toEqual(["v2", "v2", "v2"]);

    const history = await t.runtime.history.list("demo");
    expect(history).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "push", tag: "v2", source: "dockerhub" }),
        expect.objectContaining({ kind: "rollout", tag: "v2", outcome: "succeeded" }),
      ]),
    );

    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status, await ready.text()).toBe(200);

    // `tagroll token list|revoke`: the registry and the revocation under tagroll/.
    expect(await new TokenRegistry(t.runtime.kv).list("demo")).toEqual([expect.objectContaining({ jti })]);
    expect(await t.runtime.revocations.revoke(jti, { service: "demo", revokedAt: new Date() })).toBe(true);
    expect((await push("v3")).status).toBe(404);
    expect(await kvValue(KEY)).toBe("v2");

    const logs = t.logs();
    // A refusal tagroll retried past or fell back from would still show up here.
    for (const refusal of ["HTTP 403", "Permission denied", "ACL policy"]) {
      expect(linesContaining(logs, refusal)).toEqual([]);
    }
    for (const secret of [c.tagroll.consulToken, c.tagroll.nomadToken]) {
      expect(linesContaining(logs, secret)).toEqual([]);
    }
  });

  it("tagroll check reaches both agents and lints the demo job with those tokens", async () => {
    const report = await checkWith(tagroll!.config);
    expect(report.consul).toEqual({
      address: c.cluster.consulAddr,
      reachable: true,
      version: inject("consulVersion"),
    });
    expect(report.nomad).toEqual({
      address: c.cluster.nomadAddr,
      reachable: true,
      version: inject("nomadVersion"),
    });
    expect(report.findings).toEqual([]);
  });

  it("the same tokens are refused everything outside the policies", async () => {
    const { consulToken, nomadToken } = c.tagroll;
    const mgmt = c.management;
    // Positive controls first, so a 403 below is the policy and not a broken request.
    expect((await c.consul.call(consulToken, "PUT", "/v1/kv/configs/demo/ACL_PROBE", "x")).status).toBe(200);
    expect((await c.consul.call(consulToken, "DELETE", "/v1/kv/configs/demo/ACL_PROBE")).status).toBe(200);
    expect((await c.consul.call(mgmt.consulToken, "PUT", "/v1/kv/other/key", "x")).status).toBe(200);
    expect((await c.nomad.call(nomadToken, "GET", "/v1/jobs")).status).toBe(200);

    const refused = async (
      client: typeof c.consul,
      token: string,
      method: string,
      path: string,
      body?: string,
    ) => (await client.call(token, method, path, body)).status;
    // No anonymous fallback: without its token tagroll could not even read its key.
    expect(await refused(c.consul, "", "GET", `/v1/kv/${KEY}`)).toBe(403);
    expect(await refused(c.nomad, "", "GET", "/v1/jobs")).toBe(403);
    expect(await refused(c.consul, consulToken, "PUT", "/v1/kv/other/key", "y")).toBe(403);
    expect(await refused(c.consul, consulToken, "GET", "/v1/kv/other/key")).toBe(403);
    expect(await refused(c.consul, consulToken, "PUT", "/v1/acl/policy", '{"Name":"x","Rules":""}')).toBe(
      403,
    );
    expect(await refused(c.consul, consulToken, "GET", "/v1/operator/raft/configuration")).toBe(403);
    expect(await kvValue("other/key")).toBe("x");

    const job = await parseDemoJob(c.cluster.nomadAddr, { id: "intruder" }, mgmt.nomadToken);
    expect(await refused(c.nomad, nomadToken, "POST", "/v1/jobs", JSON.stringify({ Job: job }))).toBe(403);
    expect(await refused(c.nomad, nomadToken, "DELETE", "/v1/job/demo")).toBe(403);
    expect(await refused(c.nomad, nomadToken, "GET", "/v1/acl/tokens")).toBe(403);
    expect(await refused(c.nomad, nomadToken, "GET", "/v1/nodes")).toBe(403);
    expect(await refused(c.nomad, nomadToken, "GET", "/v1/var/nomad/jobs/tagroll")).toBe(403);
    const scale = JSON.stringify({ Count: 5, Target: { Group: "app" } });
    expect(await refused(c.nomad, nomadToken, "POST", "/v1/job/demo/scale", scale)).toBe(403);
    // read-fs is allowed, but Nomad itself refuses the secrets directory (the policy's comment).
    const [alloc] = await waitForHealthy(c, "demo", 3);
    const secrets = await readSecrets(c, nomadToken, alloc!.ID, "app");
    expect(secrets.length).toBeGreaterThan(0);
    for (const body of secrets) expect(body).toMatch(/^Reading secret file prohibited/);
    const env = await c.nomad.call(nomadToken, "GET", `/v1/client/fs/cat/${alloc!.ID}?path=app/local/env`);
    expect(env).toMatchObject({ status: 200, text: expect.stringContaining("IMAGE_TAG=") });
    expect((await c.nomad.json<Array<{ ID: string }>>(mgmt.nomadToken, "/v1/jobs")).map((j) => j.ID)).toEqual(
      ["demo"],
    );
  });
  // --- Nomad event stream (issue 14; README, "Running at scale") ---
  it("the leader follows Nomad's event stream with that token; a token without read-job is refused, once", async () => {
    const t = tagroll!;
    const metrics = async () => (await fetch(`${t.url}/metrics`)).text();
    await waitFor("the event stream to connect", async () =>
      (await metrics()).includes("tagroll_nomad_event_stream_connected 1"),
    );
    expect(t.logs().filter((line) => line.includes("Nomad refused its event stream"))).toEqual([]);

    const listOnly = await createNomadToken(
      c.cluster.nomadAddr,
      c.management.nomadToken,
      "list-only",
      'namespace "default" { capabilities = ["list-jobs"] }',
    );
    const http = new NomadHttp({ address: c.cluster.nomadAddr, token: listOnly });
    try {
      const refused = await openNomadEvents(http, 0, AbortSignal.timeout(10_000));
      // Nomad 1.6.3 says 500 with the reason for a valid token lacking the capability.
      expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/Permission denied/) });
      let opens = 0;
      const told: string[] = [];
      await new EventSubscriber({
        open: (index, signal) => (opens++, openNomadEvents(http, index, signal)),
        clock: systemClock,
        logger: createLogger({ level: "silent" }),
        observers: [{ onNomadEvents: (e) => void told.push(e.state) }],
        onFrame: () => undefined,
      }).run(AbortSignal.timeout(30_000));
      expect(opens).toBe(1);
      expect(told).toEqual(["refused"]);
    } finally {
      await http.close();
    }
  });
  // --- end Nomad event stream ---
});
