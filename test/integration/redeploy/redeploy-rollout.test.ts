import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { runCommand } from "../../../src/agents/run-command.js";
import { systemClock } from "../../../src/core/clock.js";
import type { JobJson, JobSubmission, NomadDeployApi } from "../../../src/nomad/deploy-api.js";
import { issueWebhookToken, TokenRegistry } from "../../../src/tokens/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import { startHaproxy, type Haproxy } from "../../bench/haproxy.js";
import { startOpenLoopLoad } from "../../bench/open-loop-load.js";
import { sleep, waitFor } from "../../helpers/cluster.js";
import { startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { redeployTwin } from "../../helpers/redeploy-twin.js";
import { newSigningKeys } from "../../helpers/tagroll.js";
import { runCli, writeConfigDir } from "../../helpers/tagroll-cli.js";
import type { CheckReport } from "../../../src/check/run-check.js";

interface Record {
  id: string;
  status: string;
  value: string;
  superseded: string[];
  error?: string;
  allocs: Array<{ allocId: string; state: string; restartedFor?: string }>;
  redeploy?: Array<{
    jobId: string;
    version?: number;
    deploymentId?: string;
    done?: boolean;
    revertFrom?: number;
  }>;
}

const META = "web-meta";
const CI = "web-ci";

/**
 * The redeploy strategy (README, "Three ways a job takes its tag") on the multi-node loopback
 * cluster: raw_exec twins of deploy/example-web-meta.nomad.hcl (job meta, Nomad's auto_revert)
 * and deploy/example-web-variable.nomad.hcl (job variable from the stored submission, a canary,
 * tagroll's own revert), run with the real `nomad job run`, each behind HAProxy resolving the
 * service through Consul DNS with retries off. A webhook writes the tag; tagroll re-registers
 * the job and follows its Nomad deployment.
 */
describe("redeploy strategy on a multi-node cluster", () => {
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let tagroll: BenchTagroll;
  const proxies = new Map<string, Haproxy>();
  const files = new Map<string, string>();
  /** Runs once, right before tagroll's next register reaches Nomad. */
  let interleave: (() => Promise<void>) | undefined;
  const registers: Array<{ jobId: string; outcome: string }> = [];

  const nomad = (...args: string[]) =>
    runCommand(inject("nomadBin"), args, {
      env: { ...process.env, NOMAD_ADDR: cluster.nomadAddr },
      timeoutMs: 120_000,
    });

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    for (const [job, file] of [
      [META, "example-web-meta.nomad.hcl"],
      [CI, "example-web-variable.nomad.hcl"],
    ] as const) {
      const path = `${cluster.dir}/${job}.nomad.hcl`;
      await writeFile(path, await redeployTwin(file));
      files.set(job, path);
      await client.kvPut(`configs/${job}/IMAGE_TAG`, "1.0.0");
    }
    await nomad("job", "run", "-detach", files.get(META)!);
    await nomad("job", "run", "-detach", "-var", "image_id=1.0.0", files.get(CI)!);
    for (const job of [META, CI]) {
      await client.waitForDeployment(job);
      await waitForPassing(cluster.consulAddr, job, 3);
      const haproxy = await startHaproxy({
        service: job,
        consulDnsPort: cluster.consulDnsPort,
        dir: cluster.dir,
        retries: false,
      });
      proxies.set(job, haproxy);
      await waitFor(`HAProxy to see every ${job} instance`, async () => (await haproxy.upServers()) === 3);
    }
    const service = (name: string, field: string) =>
      `  - name: ${name}\n    image: acme/${name}\n    policy:\n      order: none\n    strategy:\n      redeploy: ${field}\n`;
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: `services:\n${service(META, "meta.VERSION")}${service(CI, "variable.image_id")}`,
      coordinator: true,
      logFile: `${cluster.dir}/tagroll.log`,
      wrapDeployApi: (api) =>
        interleaving(
          api,
          () => interleave,
          () => (interleave = undefined),
          registers,
        ),
    });
    await tagroll.settled(META, "1.0.0");
    await tagroll.settled(CI, "1.0.0");
  });

  afterAll(async () => {
    await tagroll?.close();
    for (const haproxy of proxies.values()) await haproxy.stop();
    await cluster?.stop();
  });

  function startTagroll(logName: string): Promise<BenchTagroll> {
    const service = (name: string, field: string) =>
      `  - name: ${name}\n    image: acme/${name}\n    policy:\n      order: none\n    strategy:\n      redeploy: ${field}\n`;
    return startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: `services:\n${service(META, "meta.VERSION")}${service(CI, "variable.image_id")}`,
      coordinator: true,
      logFile: `${cluster.dir}/${logName}`,
      wrapDeployApi: (api) =>
        interleaving(
          api,
          () => interleave,
          () => (interleave = undefined),
          registers,
        ),
    });
  }

  async function push(service: string, tag: string): Promise<void> {
    const { token } = await issueWebhookToken({
      keys: tagroll.config.keys,
      activeKid: tagroll.config.activeKeyId,
      service,
      clock: systemClock,
      registry: new TokenRegistry(tagroll.runtime.kv),
    });
    const res = await fetch(`${tagroll.runtime.url}/hooks/${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        push_data: { pushed_at: Math.floor(Date.now() / 1000), pusher: "ci", tag },
        repository: { repo_name: `acme/${service}`, namespace: "acme", name: service, status: "Active" },
      }),
    });
    expect(res.status).toBe(202);
  }

  async function record(service: string): Promise<Record> {
    return JSON.parse((await tagroll.runtime.kv.get(`tagroll/rollouts/${service}`))!.value) as Record;
  }

  /** Waits until the rollout to `tag` is final; returns its record. */
  async function ended(service: string, tag: string): Promise<Record> {
    return waitFor(
      `the rollout of ${service} to ${tag} to end`,
      async () => {
        const r = await record(service);
        return r.value === tag && ["succeeded", "failed", "reverted"].includes(r.status) ? r : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 250 },
    );
  }

  /** Waits until tagroll follows the Nomad deployment of `tag` and its first allocation shows. */
  async function underWay(service: string, tag: string): Promise<void> {
    await waitFor(
      `the deployment of ${service} to ${tag} to be under way`,
      async () => {
        const r = await record(service);
        return (
          r.value === tag &&
          r.redeploy?.[0]?.deploymentId !== undefined &&
          r.allocs.some((a) => a.restartedFor === tag)
        );
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
  }

  /** A webhook for `tag` with load through HAProxy from before it until after the rollout. */
  async function rollOutUnderLoad(service: string, tag: string) {
    const haproxy = proxies.get(service)!;
    const load = startOpenLoopLoad(haproxy.url, 50);
    await sleep(1_000);
    await push(service, tag);
    const result = await ended(service, tag);
    await waitFor("HAProxy to see every instance again", async () => (await haproxy.upServers()) === 3, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await sleep(1_000);
    const report = await load.stop();
    console.log(`redeploy ${service} → ${tag}: ${report.failed}/${report.total} failed requests`);
    return { result, report };
  }

  const job = (id: string) => client.nomadJson<JobJson>(`/v1/job/${id}`);

  it("job meta: re-registers the job with the new VERSION and follows its deployment, no request failing", async () => {
    const { result, report } = await rollOutUnderLoad(META, "1.0.1");
    expect(result.status).toBe("succeeded");
    expect((await job(META)).Meta?.["VERSION"]).toBe("1.0.1");
    await client.waitForTag(META, 3, "1.0.1");
    // Per-allocation progress on the record and in the events, as for a restart rollout.
    expect(result.allocs).toHaveLength(3);
    expect(result.allocs.every((a) => a.state === "healthy" && a.restartedFor === "1.0.1")).toBe(true);
    const steps = tagroll.events.filter(
      ({ event }) => event.type === "alloc-step" && event.rolloutId === result.id && event.step === "healthy",
    );
    expect(steps).toHaveLength(3);
    expect(result.redeploy?.[0]).toMatchObject({ jobId: META, done: true });
    const metrics = await (await fetch(`${tagroll.runtime.url}/metrics`)).text();
    expect(metrics).toMatch(/tagroll_rollouts_total\{service="web-meta",outcome="succeeded"\} 1\b/);
    expect(metrics).toMatch(
      /tagroll_alloc_rollout_duration_seconds_count\{service="web-meta",outcome="healthy"\} 3\b/,
    );
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.total).toBeGreaterThan(0);
  });

  it("job variable: parses the stored submission with the new value, promotes the canary, no request failing", async () => {
    const { result, report } = await rollOutUnderLoad(CI, "1.0.1");
    expect(result.status).toBe("succeeded");
    const current = await job(CI);
    const submission = await client.nomadJson<JobSubmission>(
      `/v1/job/${CI}/submission?version=${current.Version}`,
    );
    expect(submission.VariableFlags).toEqual({ image_id: "1.0.1" });
    const deployment = await client.nomadJson<{ Status: string; TaskGroups: { web: { Promoted: boolean } } }>(
      `/v1/job/${CI}/deployment`,
    );
    expect(deployment).toMatchObject({ Status: "successful", TaskGroups: { web: { Promoted: true } } });
    await client.waitForTag(CI, 3, "1.0.1");
    expect(result.allocs.filter((a) => a.state === "healthy")).toHaveLength(3);
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
  });

  it("a broken tag of the meta job is rolled back by Nomad's auto_revert and ends reverted", async () => {
    await push(META, "1.0.2-broken");
    const result = await ended(META, "1.0.2-broken");
    expect(result.status).toBe("reverted");
    expect(result.error).toMatch(/deployment .* failed/);
    expect((await tagroll.runtime.kv.get(`configs/${META}/IMAGE_TAG`))?.value).toBe("1.0.1");
    expect((await job(META)).Meta?.["VERSION"]).toBe("1.0.1");
    await client.waitForTag(META, 3, "1.0.1");
  });

  it("a broken tag of the variable job is reverted by tagroll to the previous stable version", async () => {
    await push(CI, "1.0.2-broken");
    const result = await ended(CI, "1.0.2-broken");
    expect(result.status).toBe("reverted");
    expect(result.redeploy?.[0]?.revertFrom).toBeDefined();
    const versions = await client.nomadJson<{ Versions: JobJson[] }>(`/v1/job/${CI}/versions`);
    expect(versions.Versions[0]!.Version).toBeGreaterThan(result.redeploy![0]!.revertFrom!);
    expect((await tagroll.runtime.kv.get(`configs/${CI}/IMAGE_TAG`))?.value).toBe("1.0.1");
    await client.waitForTag(CI, 3, "1.0.1");
  });

  it("a concurrent `nomad job run` is not overwritten: the value goes on top of it", async () => {
    // An operator adds a meta key and runs the job from their copy of the file while tagroll is
    // about to register: tagroll's register, enforced on the index it read, must be refused.
    const operatorFile = `${cluster.dir}/${META}-operator.nomad.hcl`;
    const hcl = await redeployTwin("example-web-meta.nomad.hcl");
    await writeFile(operatorFile, hcl.replace(/meta \{/, 'meta {\n    OPERATOR_NOTE = "tuned by hand"'));
    interleave = async () => {
      await nomad("job", "run", "-detach", operatorFile);
    };
    registers.length = 0;
    await push(META, "1.0.3");
    const result = await ended(META, "1.0.3");
    expect(result.status).toBe("succeeded");
    expect(registers.filter((r) => r.jobId === META).map((r) => r.outcome)).toEqual([
      "JobModifiedError",
      "registered",
    ]);
    const meta = (await job(META)).Meta;
    expect(meta).toMatchObject({ OPERATOR_NOTE: "tuned by hand", VERSION: "1.0.3" });
    await client.waitForTag(META, 3, "1.0.3");
  });

  it("a `nomad job run` during the deployment cancels it; tagroll applies the value on top", async () => {
    registers.length = 0;
    await push(META, "1.0.7");
    await underWay(META, "1.0.7");
    // The operator's copy still says VERSION = "1.0.0": their run cancels tagroll's deployment.
    const operatorFile = `${cluster.dir}/${META}-operator-2.nomad.hcl`;
    const hcl = await redeployTwin("example-web-meta.nomad.hcl");
    await writeFile(operatorFile, hcl.replace(/meta \{/, 'meta {\n    OPERATOR_NOTE = "second edit"'));
    await nomad("job", "run", "-detach", operatorFile);
    const result = await ended(META, "1.0.7");
    expect(result.status).toBe("succeeded");
    expect(registers.filter((r) => r.jobId === META).map((r) => r.outcome)).toEqual([
      "registered",
      "registered",
    ]);
    expect((await job(META)).Meta).toMatchObject({ OPERATOR_NOTE: "second edit", VERSION: "1.0.7" });
    await client.waitForTag(META, 3, "1.0.7");
  });

  it("`tagroll check` names each job's convention and the strategy it needs", async () => {
    // web-ci is configured with the default strategy here: check must say it needs a redeploy.
    const dir = await writeConfigDir(
      `services:\n  - name: ${META}\n    image: acme/${META}\n    strategy:\n      redeploy: meta.VERSION\n` +
        `  - name: ${CI}\n    image: acme/${CI}\n`,
    );
    try {
      const result = await runCli(["check", "-c", dir.file, "--json"], {
        env: {
          CONSUL_HTTP_ADDR: cluster.consulAddr,
          NOMAD_ADDR: cluster.nomadAddr,
          TAGROLL_SIGNING_KEYS: newSigningKeys(),
        },
      });
      const report = JSON.parse(result.stdout) as CheckReport;
      const findings = report.findings.map((f) => ({
        level: f.level,
        rule: f.rule,
        job: f.job,
        message: f.message,
      }));
      expect(findings).toEqual(
        expect.arrayContaining([
          {
            level: "info",
            rule: "convention",
            job: META,
            message: "takes its tag from job meta VERSION: needs strategy { redeploy: meta.VERSION }",
          },
          {
            level: "info",
            rule: "convention",
            job: CI,
            message:
              "takes its tag from job variable image_id: needs strategy { redeploy: variable.image_id }",
          },
          expect.objectContaining({ level: "warning", rule: "strategy", job: CI }),
        ]),
      );
      // …and, as for any restart service, that no template renders its key.
      const warnings = report.findings
        .filter((f) => f.level === "warning")
        .map((f) => `${f.service}:${f.rule}`);
      expect(warnings.sort()).toEqual([`${CI}:key-not-rendered`, `${CI}:strategy`]);
    } finally {
      await dir.remove();
    }
  });

  it("a newer value while a deployment runs supersedes it, with no request failing", async () => {
    const haproxy = proxies.get(CI)!;
    const load = startOpenLoopLoad(haproxy.url, 50);
    await sleep(1_000);
    await push(CI, "1.0.5");
    await underWay(CI, "1.0.5");
    await push(CI, "1.0.6");
    const result = await ended(CI, "1.0.6");
    await waitFor("HAProxy to see every instance again", async () => (await haproxy.upServers()) === 3, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await sleep(1_000);
    const report = await load.stop();
    console.log(`redeploy ${CI} 1.0.5 superseded by 1.0.6: ${report.failed}/${report.total} failed requests`);
    expect(result).toMatchObject({ status: "succeeded", superseded: ["1.0.5"] });
    const current = await job(CI);
    const submission = await client.nomadJson<JobSubmission>(
      `/v1/job/${CI}/submission?version=${current.Version}`,
    );
    expect(submission.VariableFlags).toEqual({ image_id: "1.0.6" });
    await client.waitForTag(CI, 3, "1.0.6");
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
  });

  it("a new leader resumes a redeploy without registering the job again for the same value", async () => {
    registers.length = 0;
    await push(META, "1.0.4");
    await underWay(META, "1.0.4");
    // This instance goes away mid-deployment; another one takes over from the record.
    await tagroll.close();
    const left = await record(META);
    expect(left.status).toBe("running");
    tagroll = await startTagroll("tagroll-2.log");
    const result = await ended(META, "1.0.4");
    expect(result.status).toBe("succeeded");
    expect(result.id).toBe(left.id);
    expect(registers.filter((r) => r.jobId === META)).toEqual([{ jobId: META, outcome: "registered" }]);
    const resumed = tagroll.events.find(
      ({ event }) => event.type === "rollout-started" && event.rolloutId === left.id,
    );
    expect(resumed?.event).toMatchObject({ resumed: true });
    expect((await job(META)).Meta?.["VERSION"]).toBe("1.0.4");
    await client.waitForTag(META, 3, "1.0.4");
  });
});

/** The deploy API with a hook run before each register, recording what Nomad answered. */
function interleaving(
  api: NomadDeployApi,
  hook: () => (() => Promise<void>) | undefined,
  clear: () => void,
  registers: Array<{ jobId: string; outcome: string }>,
): NomadDeployApi {
  return new Proxy(api, {
    get(target, prop, receiver) {
      if (prop === "registerJob") {
        return async (...args: Parameters<NomadDeployApi["registerJob"]>) => {
          const before = hook();
          clear();
          if (before) await before();
          try {
            const reply = await target.registerJob(...args);
            registers.push({ jobId: args[0].ID, outcome: "registered" });
            return reply;
          } catch (error) {
            registers.push({ jobId: args[0].ID, outcome: (error as Error).name });
            throw error;
          }
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
