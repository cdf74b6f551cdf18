import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { formatStatus } from "../../../src/cli/format-status.js";
import { createLogger } from "../../../src/core/logger.js";
import { Operations } from "../../../src/operations/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import type { Haproxy } from "../../bench/haproxy.js";
import { startOpenLoopLoad } from "../../bench/open-loop-load.js";
import { sleep, waitFor } from "../../helpers/cluster.js";
import {
  haproxyFor,
  passingInstances,
  runningAllocsOn,
  startTestCluster,
  waitForPassing,
} from "../../helpers/multi-node.js";

const silent = createLogger({ level: "silent" });

interface AllocProgress {
  allocId: string;
  state: string;
  undrained?: string;
  drain?: string;
}

/**
 * A rollout as a user running tagroll as a Nomad job sees it (README, "The Nomad job contract"):
 * the demo job's three allocations spread over two client nodes, each registered with its own
 * node's Consul agent, and tagroll talking to the Consul server agent, which holds none of them.
 * HAProxy resolves the service through Consul DNS with retries off, so a request sent to an
 * instance that is going away fails instead of being retried elsewhere.
 */
describe("rollout on a multi-node cluster", () => {
  const service = "mn-roll";
  const key = `configs/${service}/IMAGE_TAG`;
  /** The same job with its service declared in the task: only Consul maintenance could drain it. */
  const taskLevel = "mn-task";
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let haproxy: Haproxy;
  let tagroll: BenchTagroll;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    await client.deployDemo(service, "v1", { count: 3 });
    await client.deployDemo(taskLevel, "v1", { count: 3, serviceAt: "task" });
    await waitForPassing(cluster.consulAddr, service, 3);
    await waitForPassing(cluster.consulAddr, taskLevel, 3);
    haproxy = await haproxyFor(cluster, service);
    const policy = "    policy:\n      order: none\n";
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: [service, taskLevel]
        .map((s) => `  - name: ${s}\n    image: acme/${s}\n${policy}`)
        .join("")
        .replace(/^/, "services:\n"),
      coordinator: true,
      logFile: `${cluster.dir}/tagroll.log`,
    });
    await tagroll.settled(service, "v1");
    await tagroll.settled(taskLevel, "v1");
  });

  afterAll(async () => {
    await tagroll?.close();
    await haproxy?.stop();
    await cluster?.stop();
  });

  it("moves every allocation to the new tag, drained by Nomad, one at a time, with no failed request", async () => {
    const allocs = await runningAllocsOn(cluster.nomadAddr, service);
    expect(new Set(allocs.map((a) => a.NodeName)).size).toBe(2);

    const load = startOpenLoopLoad(haproxy.url, 100);
    let sampling = true;
    let fewestPassing = 3;
    const sampler = (async () => {
      while (sampling) {
        const passing = await passingInstances(cluster.consulAddr, service).catch(() => undefined);
        if (passing) fewestPassing = Math.min(fewestPassing, passing.length);
        await sleep(100);
      }
    })();
    await sleep(2_000);
    await client.kvPut(key, "v2");
    await tagroll.finished(service, "v2");
    await client.waitForTag(service, 3, "v2");
    await waitFor("HAProxy to see every instance again", async () => (await haproxy.upServers()) === 3, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await sleep(2_000);
    sampling = false;
    await sampler;
    const report = await load.stop();
    console.log(
      `multi-node rollout: ${report.failed}/${report.total} failed, fewest passing instances ${fewestPassing}`,
    );

    const record = JSON.parse((await tagroll.runtime.kv.get(`tagroll/rollouts/${service}`))!.value) as {
      status: string;
      allocs: AllocProgress[];
    };
    expect(record.status).toBe("succeeded");
    expect(record.allocs.filter((a) => a.undrained)).toEqual([]);
    expect(record.allocs.map((a) => a.drain)).toEqual(["nomad", "nomad", "nomad"]);
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(3 - fewestPassing).toBeLessThanOrEqual(1);
  });

  it("reports every restart it could not drain: on the allocation, in status and in a metric", async () => {
    await client.kvPut(`configs/${taskLevel}/IMAGE_TAG`, "v2");
    await tagroll.finished(taskLevel, "v2");
    const record = JSON.parse((await tagroll.runtime.kv.get(`tagroll/rollouts/${taskLevel}`))!.value) as {
      allocs: AllocProgress[];
    };
    // tagroll talks to the server's agent; every instance was registered by a client node's agent.
    expect(record.allocs).toHaveLength(3);
    for (const alloc of record.allocs) {
      expect(alloc.drain).toBe("maintenance");
      expect(alloc.undrained).toMatch(/Consul maintenance refused for _nomad-task-.*hashicorp\/consul#1105/);
    }
    const metrics = await (await fetch(`${tagroll.runtime.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`tagroll_undrained_restarts_total\\{service="${taskLevel}"\\} 3`));
    const operations = new Operations({
      config: tagroll.config,
      kv: tagroll.runtime.kv,
      nomad: tagroll.runtime.nomad,
      logger: silent,
    });
    const report = await operations.status(taskLevel);
    expect(report.services[0]?.allocations.filter((a) => a.undrained)).toHaveLength(3);
    const printed = formatStatus(report, { allocations: true });
    expect(printed).toContain("3 restarted UNDRAINED");
    expect(printed.match(/was restarted while still in rotation/g)).toHaveLength(3);
  });
});
