import { describe, expect, it } from "vitest";
import { healthGate } from "../../../src/coordinator/steps/health-gate.js";
import { Deadline, type StepContext } from "../../../src/coordinator/steps/step-context.js";
import type { GroupTarget } from "../../../src/coordinator/targets/index.js";
import type { AllocCheck, ServiceHealth } from "../../../src/kv/kv-store.js";
import type { NomadAllocation, NomadApi } from "../../../src/nomad/nomad-api.js";
import { silentLogger } from "./fakes/harness.js";
import { VirtualClock } from "./fakes/virtual-clock.js";

/**
 * The health gate judges an allocation the moment its Consul check flips (issue 14, item 3):
 * it waits on a blocking query (ServiceHealth.watchChecksForAlloc) instead of a poll interval.
 * The poll interval here is far longer than anything the scenarios need, so a gate that went
 * back to polling would answer seconds late and fail these tests.
 */

const POLL_MS = 10_000;
const WATCH_MS = 1_000;
const MIN_HEALTHY_MS = 2_000;
const ALLOC = "a1";

/** One allocation's checks on a virtual clock: a status that changes at given times, and a Consul index. */
class ScriptedChecks implements ServiceHealth {
  readonly watches: Array<{ index: number; waitMs: number }> = [];
  failWatch = false;

  constructor(
    private readonly clock: VirtualClock,
    private readonly script: Array<{ at: number; status: AllocCheck["status"] }>,
  ) {}

  private current(): { status: AllocCheck["status"]; index: number } {
    const passed = this.script.filter((s) => s.at <= this.clock.now());
    return { status: passed.at(-1)?.status ?? "critical", index: 10 + passed.length };
  }

  private checks(): AllocCheck[] {
    const { status } = this.current();
    return [
      { checkId: "c1", serviceId: `_nomad-task-${ALLOC}-web-http`, serviceName: "web", status, output: "" },
    ];
  }

  async checksForAlloc(): Promise<AllocCheck[]> {
    return this.checks();
  }

  async watchChecksForAlloc(_allocId: string, index: number, waitMs: number, signal?: AbortSignal) {
    this.watches.push({ index, waitMs });
    if (this.failWatch) throw new Error("blocking query refused");
    const end = this.clock.now() + waitMs;
    // Answers at once when the index already moved, else at the next change or at the wait's end.
    while (this.current().index <= index && this.clock.now() < end) {
      const next = this.script.find((s) => s.at > this.clock.now())?.at ?? end;
      await this.clock.sleep(Math.min(next, end) - this.clock.now(), signal);
    }
    return { checks: this.checks(), index: this.current().index };
  }

  async passingInstances() {
    return [];
  }

  async ping() {
    return true;
  }
}

function running(): NomadAllocation {
  return {
    ID: ALLOC,
    Name: "web.web[0]",
    Namespace: "default",
    NodeID: "n1",
    JobID: "web",
    JobVersion: 0,
    TaskGroup: "web",
    DesiredStatus: "run",
    ClientStatus: "running",
    TaskStates: {
      web: {
        State: "running",
        Failed: false,
        Restarts: 0,
        LastRestart: null,
        StartedAt: "2026-01-01T00:00:00Z",
        FinishedAt: null,
        Events: null,
      },
    },
    CreateIndex: 1,
    ModifyIndex: 1,
    CreateTime: 0,
  };
}

function gate(script: Array<{ at: number; status: AllocCheck["status"] }>) {
  const clock = new VirtualClock();
  const start = clock.now();
  const health = new ScriptedChecks(
    clock,
    script.map((s) => ({ ...s, at: start + s.at })),
  );
  const nomad = { getAllocation: async () => running() } as unknown as NomadApi;
  const ctx: StepContext = {
    nomad,
    health,
    clock,
    logger: silentLogger,
    signal: new AbortController().signal,
    timing: { renderPollMs: 100, pollMs: POLL_MS, watchMs: WATCH_MS },
  };
  const target = {
    health: "consul",
    params: { maxParallel: 1, minHealthyTimeMs: MIN_HEALTHY_MS, healthyDeadlineMs: 60_000 },
  } as GroupTarget;
  const run = async () => {
    const outcome = await healthGate(
      ctx,
      { allocId: ALLOC, scope: {} },
      target,
      ["web"],
      new Deadline(start + 60_000),
    );
    return { outcome, elapsed: clock.now() - start };
  };
  return { health, run };
}

describe("health gate on a blocking query", () => {
  it("judges a check the moment it passes: healthy min_healthy_time after the flip, not a poll later", async () => {
    const { health, run } = gate([{ at: 1_300, status: "passing" }]);
    const { outcome, elapsed } = await run();
    expect(outcome).toEqual({ kind: "healthy" });
    expect(elapsed).toBe(1_300 + MIN_HEALTHY_MS);
    // Each query after the first carries the index the previous one answered with: blocking, not spinning.
    expect(health.watches.length).toBeLessThan(10);
    expect(health.watches.slice(1).every((w) => w.index > 0)).toBe(true);
  });

  it("restarts the count the moment a passing check lapses", async () => {
    const { run } = gate([
      { at: 500, status: "passing" },
      { at: 1_700, status: "critical" },
      { at: 2_100, status: "passing" },
    ]);
    const { outcome, elapsed } = await run();
    expect(outcome).toEqual({ kind: "healthy" });
    expect(elapsed).toBe(2_100 + MIN_HEALTHY_MS);
  });

  it("falls back to the poll interval when the blocking query fails, and still ends healthy", async () => {
    const { health, run } = gate([{ at: 1_300, status: "passing" }]);
    health.failWatch = true;
    const { outcome, elapsed } = await run();
    expect(outcome).toEqual({ kind: "healthy" });
    expect(elapsed).toBeGreaterThanOrEqual(POLL_MS);
  });
});
