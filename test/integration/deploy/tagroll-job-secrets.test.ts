import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { nomadAddr, nomadJson, waitFor } from "../../helpers/cluster.js";
import { onlyTask, parseDeployJob } from "./parsed-job.js";

/**
 * deploy/tagroll.nomad.hcl's templates, run for real: the same job with its docker task swapped
 * for a raw_exec one that dumps its environment (no Docker engine here). Proves that the nomadVar
 * template reaches the task's env through the job's workload identity, that only the listed names
 * pass, that values survive the env file, that NOMAD_TOKEN comes from the identity unless the
 * variable sets one, that a restart picks up a changed variable, and that tagroll accepts the
 * result as its configuration.
 */
const namespace = `deploy-test-${randomBytes(3).toString("hex")}`;
const job = "tagroll"; // only this job ID may read nomad/jobs/tagroll implicitly
const ns = `namespace=${namespace}`;
const variablePath = `/v1/var/nomad/jobs/tagroll?${ns}`;

// Two keys, newline-separated as in a keys file; base64 brings + / = into the value.
const SIGNING_KEYS = `ka:${randomBytes(32).toString("base64")}\nkb:${randomBytes(48).toString("base64")}`;

/** A Nomad write whose answer does not matter (some are empty, which nomadJson cannot parse). */
async function nomadSend(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${nomadAddr()}${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`Nomad ${method} ${path}: ${res.status} ${await res.text()}`);
}

async function putVariable(items: Record<string, string>): Promise<void> {
  await nomadSend("PUT", variablePath, { Namespace: namespace, Path: "nomad/jobs/tagroll", Items: items });
}

async function catFile(allocId: string, path: string): Promise<string> {
  const query = `path=${encodeURIComponent(path)}&${ns}`;
  const res = await fetch(`${nomadAddr()}/v1/client/fs/cat/${allocId}?${query}`);
  if (!res.ok) throw new Error(`fs/cat ${path}: ${res.status} ${await res.text()}`);
  return res.text();
}

/** The environment the task process saw, as it wrote it at start-up. */
async function taskEnv(allocId: string): Promise<Record<string, string>> {
  return JSON.parse(await catFile(allocId, "tagroll/local/env.json")) as Record<string, string>;
}

const DUMP_ENV = `require("fs").writeFileSync("local/env.json", JSON.stringify(process.env)); setInterval(() => {}, 1 << 30);`;

describe("deploy/tagroll.nomad.hcl secrets and config, rendered by a real Nomad", () => {
  let allocId = "";

  beforeAll(async () => {
    await nomadSend("POST", "/v1/namespace", { Name: namespace });
    await putVariable({
      TAGROLL_SIGNING_KEYS: SIGNING_KEYS,
      CONSUL_HTTP_TOKEN: "consul-secret-1",
      TAGROLL_SECRET_WEB_DISTRIBUTION: 'Bearer "quoted" # not a comment',
      UNLISTED: "must not reach the task",
    });
    const parsed = await parseDeployJob("tagroll.nomad.hcl");
    const group = parsed.TaskGroups[0]!;
    const task = onlyTask(group);
    const jobJson = {
      ...parsed,
      Namespace: namespace,
      TaskGroups: [
        {
          ...group,
          Count: 1,
          Constraints: null, // one dev node: distinct_hosts would leave nothing to place
          Networks: null,
          Tasks: [
            {
              ...task,
              Driver: "raw_exec",
              Config: { command: process.execPath, args: ["-e", DUMP_ENV] },
              Services: null,
            },
          ],
        },
      ],
    };
    await nomadSend("POST", `/v1/jobs?${ns}`, { Job: jobJson });
    allocId = await waitFor(
      "the tagroll allocation to run",
      async () => {
        const allocs = await nomadJson<Array<{ ID: string; ClientStatus: string }>>(
          `/v1/job/${job}/allocations?${ns}`,
        );
        return allocs.find((a) => a.ClientStatus === "running")?.ID;
      },
      { timeoutMs: 90_000 },
    );
    await waitFor("the task to dump its env", () => taskEnv(allocId), { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await fetch(`${nomadAddr()}/v1/job/${job}?purge=true&${ns}`, { method: "DELETE" });
    await waitFor("the test job to be gone", async () => {
      const res = await fetch(`${nomadAddr()}/v1/job/${job}?${ns}`);
      return res.status === 404;
    }).catch(() => undefined);
    await fetch(`${nomadAddr()}${variablePath}`, { method: "DELETE" });
    await waitFor("the test namespace to be deleted", async () => {
      const res = await fetch(`${nomadAddr()}/v1/namespace/${namespace}`, { method: "DELETE" });
      return res.ok;
    }).catch(() => undefined);
  });

  it("passes the listed variable items into the env, verbatim, and nothing else", async () => {
    const env = await taskEnv(allocId);
    expect(env["TAGROLL_SIGNING_KEYS"]).toBe(SIGNING_KEYS);
    expect(env["CONSUL_HTTP_TOKEN"]).toBe("consul-secret-1");
    expect(env["TAGROLL_SECRET_WEB_DISTRIBUTION"]).toBe('Bearer "quoted" # not a comment');
    expect(env["UNLISTED"]).toBeUndefined();
  });

  it("gives tagroll the job's workload identity as NOMAD_TOKEN when the variable has none", async () => {
    const env = await taskEnv(allocId);
    const [, payload] = (env["NOMAD_TOKEN"] ?? "").split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, string>;
    expect(claims).toMatchObject({ nomad_namespace: namespace, nomad_job_id: job, nomad_task: "tagroll" });
  });

  it("is a configuration tagroll accepts: keys, Consul token, per-source secret, services", async () => {
    const env = await taskEnv(allocId);
    const yaml = await catFile(allocId, "tagroll/local/tagroll.yaml");
    expect(env["TAGROLL_CONFIG"]).toMatch(/\/tagroll\/local\/tagroll\.yaml$/);
    const config = loadConfig({
      env,
      cwd: "/",
      readFile: (path) => (path === env["TAGROLL_CONFIG"] ? yaml : undefined),
    });
    expect(config.keys.map((key) => [key.kid, key.secret.length])).toEqual([
      ["ka", 32],
      ["kb", 48],
    ]);
    expect(config.consul.token).toBe("consul-secret-1");
    expect(config.nomad.token).toBe(env["NOMAD_TOKEN"]);
    expect(config.services[0]?.secrets).toEqual({ distribution: 'Bearer "quoted" # not a comment' });
  });

  it("picks up a changed variable on the next restart, and a NOMAD_TOKEN item wins over the identity", async () => {
    await putVariable({
      TAGROLL_SIGNING_KEYS: SIGNING_KEYS,
      CONSUL_HTTP_TOKEN: "consul-secret-2",
      NOMAD_TOKEN: "classic-nomad-token",
    });
    await nomadSend("POST", `/v1/client/allocation/${allocId}/restart?${ns}`, { TaskName: "tagroll" });
    const env = await waitFor(
      "the restarted task's env",
      async () => {
        const current = await taskEnv(allocId);
        return current["CONSUL_HTTP_TOKEN"] === "consul-secret-2" ? current : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(env["NOMAD_TOKEN"]).toBe("classic-nomad-token");
    expect(env["TAGROLL_SECRET_WEB_DISTRIBUTION"]).toBeUndefined();
  });
});
