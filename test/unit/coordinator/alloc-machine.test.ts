import { describe, expect, it } from "vitest";
import {
  advance,
  walkAlloc,
  type AllocEffects,
  type AllocStep,
  type AllocWalk,
} from "../../../src/coordinator/steps/alloc-machine.js";
import type { HealthOutcome } from "../../../src/coordinator/steps/health-gate.js";
import type { AllocProgress, AllocStepState } from "../../../src/coordinator/model/rollout-record.js";
import type { GroupTarget } from "../../../src/coordinator/targets/targets.js";
import type { RenderOutcome } from "../../../src/coordinator/steps/wait-rendered.js";
import type { RunningOutcome } from "../../../src/coordinator/steps/wait-running.js";
import type { DrainPlan } from "../../../src/nomad/drain-method.js";
import type { NomadAllocation } from "../../../src/nomad/nomad-api.js";
import { capturingLogger } from "../../helpers/tagroll.js";
import { silentLogger } from "./fakes/harness.js";
import { allocEntry } from "./fakes/records.js";

/**
 * The allocation state machine, one `advance` at a time: every state, entered by the walk or
 * read from the record (resumed, with or without a restart recorded for the value), against
 * every answer its step can get. No harness, no clock, no agents: the effects are scripted.
 */

const NOW = 1_000_000;
const DEADLINE_MS = 60_000;
const MARKS = { web: { startedAt: "t0", restarts: 0, lastEventTime: 0 } };

function alloc(startedAt: string, client: NomadAllocation["ClientStatus"] = "running"): NomadAllocation {
  const failed = client === "failed";
  return {
    ID: "a1",
    Name: "web.app[0]",
    Namespace: "default",
    NodeID: "n1",
    JobID: "web",
    JobVersion: 0,
    TaskGroup: "app",
    DesiredStatus: "run",
    ClientStatus: client,
    CreateIndex: 1,
    ModifyIndex: 1,
    CreateTime: 0,
    TaskStates: {
      web: {
        State: failed ? "dead" : "running",
        Failed: failed,
        Restarts: 0,
        LastRestart: null,
        StartedAt: startedAt,
        FinishedAt: null,
        Events: [],
      },
    },
  };
}

/** Not restarted since MARKS were taken. */
const UNTOUCHED = alloc("t0");
/** Restarted since MARKS were taken (a new start time). */
const RESTARTED = alloc("t1");

interface Answers {
  render: RenderOutcome;
  services: string[];
  alloc: NomadAllocation | undefined;
  running: RunningOutcome;
  health: HealthOutcome;
  confirmed: boolean;
  halted: boolean;
  superseded: boolean;
  rendersOnRestart: boolean;
  /** The target's drain plan; task-level Consul services (maintenance) unless a row says so. */
  drain: DrainPlan;
  /** Services the Consul agent refuses to put into maintenance. */
  refused: string[];
  /** The target's tasks; empty: every task. */
  tasks: string[];
}

const OK: Answers = {
  render: "rendered",
  services: [],
  alloc: UNTOUCHED,
  running: { kind: "running" },
  health: { kind: "healthy" },
  confirmed: true,
  halted: false,
  superseded: false,
  rendersOnRestart: false,
  drain: { method: "consul-maintenance", delayMs: 2_000 },
  refused: [],
  tasks: [],
};

function target(rendersOnRestart: boolean, drain: DrainPlan, tasks: string[]): GroupTarget {
  return {
    jobId: "web",
    namespace: "default",
    scope: { namespace: "default" },
    group: "app",
    tasks,
    files: ["web/local/env"],
    valueName: "IMAGE_TAG",
    health: "consul",
    params: { maxParallel: 1, minHealthyTimeMs: 2_000, healthyDeadlineMs: DEADLINE_MS },
    rendersOnRestart,
    drainMs: drain.delayMs,
    drain,
  };
}

function entry(state: AllocStepState, recorded: boolean, extra: Partial<AllocProgress> = {}): AllocProgress {
  const base = allocEntry({ state, ...extra });
  return recorded ? { ...base, restartedFor: "v2", marks: MARKS, restartedAt: NOW - 5_000 } : base;
}

function walkOf(e: AllocProgress, resuming: boolean, answers: Partial<Answers> = {}) {
  const a = { ...OK, ...answers };
  const calls: string[] = [];
  const effects: AllocEffects = {
    waitRendered: async () => (calls.push("waitRendered"), a.render),
    servicesToDrain: async () => (calls.push("servicesToDrain"), a.services),
    drain: async (services) => (calls.push(`drain ${services.join(",")}`), a.refused),
    undrain: async (services) => void calls.push(`undrain ${services?.join(",") ?? "-"}`),
    getAllocation: async () => (calls.push("getAllocation"), a.alloc),
    restart: async (tasks) => void calls.push(`restart ${tasks === "all" ? "all" : tasks.join(",")}`),
    waitRunning: async () => (calls.push("waitRunning"), a.running),
    waitHealthy: async () => (calls.push("waitHealthy"), a.health),
    confirmRendered: async () => (
      calls.push("confirmRendered"),
      { ok: a.confirmed, found: a.confirmed ? {} : { "web/local/env": "v1" } }
    ),
  };
  const walk: AllocWalk = {
    entry: e,
    value: "v2",
    target: target(a.rendersOnRestart, a.drain, a.tasks),
    renderTimeoutMs: 30_000,
    now: () => NOW,
    logger: silentLogger,
    effects,
    superseded: () => a.superseded,
    halted: () => a.halted,
    resuming,
  };
  return { walk, calls };
}

type Row = [string, AllocStepState, Partial<Answers>, AllocStep, string[]];

const failed = (error: string): AllocStep => ({ next: "failed", error });
const HEALTH_PASS = ["waitRunning", "waitHealthy", "confirmRendered", "undrain -"];

describe("advance: a state this walk entered", () => {
  const rows: Row[] = [
    ["pending: the walk was held", "pending", {}, { outcome: "held" }, []],
    [
      "rendering: rendered, no services → marks, restarting",
      "rendering",
      {},
      { next: "restarting" },
      ["waitRendered", "servicesToDrain", "getAllocation"],
    ],
    [
      "rendering: rendered, services → draining",
      "rendering",
      { services: ["s1"] },
      { next: "draining" },
      ["waitRendered", "servicesToDrain"],
    ],
    [
      "rendering: render_templates → no wait",
      "rendering",
      { rendersOnRestart: true, render: "timeout" },
      { next: "restarting" },
      ["servicesToDrain", "getAllocation"],
    ],
    [
      "rendering: superseded while waiting → held",
      "rendering",
      { render: "superseded" },
      { next: "pending" },
      ["waitRendered", "undrain -"],
    ],
    [
      "rendering: not rendered in time → failed",
      "rendering",
      { render: "timeout" },
      failed("v2 not rendered within 30000 ms"),
      ["waitRendered"],
    ],
    [
      "rendering: batch halted → held",
      "rendering",
      { halted: true },
      { next: "pending" },
      ["waitRendered", "undrain -"],
    ],
    [
      "rendering: newer value waiting → held",
      "rendering",
      { superseded: true },
      { next: "pending" },
      ["waitRendered", "undrain -"],
    ],
    [
      "rendering: allocation gone before the restart",
      "rendering",
      { alloc: undefined },
      { outcome: "gone" },
      ["waitRendered", "servicesToDrain", "getAllocation"],
    ],
    [
      "rendering: allocation failed before the restart counts as gone",
      "rendering",
      { alloc: alloc("t0", "failed") },
      { outcome: "gone" },
      ["waitRendered", "servicesToDrain", "getAllocation"],
    ],
    ["draining: drained → restarting", "draining", {}, { next: "restarting" }, ["drain s1", "getAllocation"]],
    [
      "draining: batch halted → held",
      "draining",
      { halted: true },
      { next: "pending" },
      ["drain s1", "undrain s1"],
    ],
    ["draining: gone", "draining", { alloc: undefined }, { outcome: "gone" }, ["drain s1", "getAllocation"]],
    ["restarting: the request → health", "restarting", {}, { next: "health" }, ["restart all"]],
    ["health: running, healthy, confirmed → healthy", "health", {}, { next: "healthy" }, HEALTH_PASS],
    [
      "health: not running again → failed",
      "health",
      { running: { kind: "failed", reason: "task web failed" } },
      failed("task web failed"),
      ["waitRunning"],
    ],
    [
      "health: gone while starting",
      "health",
      { running: { kind: "gone" } },
      { outcome: "gone" },
      ["waitRunning"],
    ],
    [
      "health: unhealthy → failed",
      "health",
      { health: { kind: "failed", reason: "not healthy" } },
      failed("not healthy"),
      ["waitRunning", "waitHealthy"],
    ],
    [
      "health: gone while checked",
      "health",
      { health: { kind: "gone" } },
      { outcome: "gone" },
      ["waitRunning", "waitHealthy"],
    ],
    [
      "health: renders another value → failed",
      "health",
      { confirmed: false },
      failed('rendered {"web/local/env":"v1"} after the restart, not v2'),
      ["waitRunning", "waitHealthy", "confirmRendered"],
    ],
    [
      "health: renders another value, newer value waiting → healthy",
      "health",
      { confirmed: false, superseded: true },
      { next: "healthy" },
      HEALTH_PASS,
    ],
    ["healthy: done", "healthy", {}, { outcome: "healthy" }, []],
    ["failed: done", "failed", {}, { outcome: "failed" }, []],
  ];

  it.each(rows)("%s", async (_name, state, answers, expected, calls) => {
    // Entered states past `rendering` carry what the steps before them recorded.
    const recorded = state === "restarting" || state === "health";
    const e = entry(state, recorded, state === "draining" ? { drained: ["s1"] } : {});
    const w = walkOf(e, false, answers);
    expect(await advance(w.walk)).toEqual(expected);
    expect(w.calls).toEqual(calls);
  });

  it("records the marks, value and time of the restart before the request", async () => {
    const w = walkOf(entry("rendering", false), false);
    await advance(w.walk);
    expect(w.walk.entry).toMatchObject({ restartedFor: "v2", marks: MARKS, restartedAt: NOW });
  });

  it("counts the deadline of a fresh restart from the restart", async () => {
    const w = walkOf(entry("restarting", true), false);
    await advance(w.walk);
    expect(w.walk.deadline?.at).toBe(NOW - 5_000 + DEADLINE_MS);
  });

  it("restarts the whole allocation when Nomad drains its group services, without maintenance", async () => {
    const w = walkOf(entry("rendering", false), false, {
      drain: { method: "group-restart", delayMs: 2_000 },
      tasks: ["web"],
      services: ["s1"],
    });
    expect(await advance(w.walk)).toEqual({ next: "restarting" });
    expect(w.calls).toEqual(["waitRendered", "getAllocation"]);
    expect(w.walk.entry).toMatchObject({ drain: "nomad", restartedFor: "v2" });
    expect(w.walk.entry.undrained).toBeUndefined();
    w.walk.entry.state = "restarting"; // what walkAlloc's persist does between two steps
    expect(await advance(w.walk)).toEqual({ next: "health" });
    expect(w.calls.at(-1)).toBe("restart all");
  });

  it("records why a restart goes out undrained: a group without shutdown_delay", async () => {
    const w = walkOf(entry("rendering", false), false, {
      drain: { method: "group-restart", delayMs: 0, caveat: "the group has no shutdown_delay" },
    });
    expect(await advance(w.walk)).toEqual({ next: "restarting" });
    expect(w.walk.entry.undrained).toBe("the group has no shutdown_delay");
  });

  it("records why a restart goes out undrained: nothing found to put into maintenance", async () => {
    const w = walkOf(entry("rendering", false), false, { services: [] });
    expect(await advance(w.walk)).toEqual({ next: "restarting" });
    expect(w.walk.entry).toMatchObject({ drain: "maintenance" });
    expect(w.walk.entry.undrained).toMatch(/no Consul service instance/);
  });

  it("records why a restart goes out undrained: another node's agent refused maintenance", async () => {
    const w = walkOf(entry("draining", false, { drained: ["s1", "s2"] }), false, { refused: ["s2"] });
    expect(await advance(w.walk)).toEqual({ next: "restarting" });
    expect(w.walk.entry.drained).toEqual(["s1"]);
    expect(w.walk.entry.undrained).toMatch(/maintenance refused for s2.*hashicorp\/consul#1105/);
  });

  it("clears an earlier restart's undrained note when this one is drained", async () => {
    const w = walkOf(entry("rendering", false, { undrained: "earlier" }), false, {
      drain: { method: "group-restart", delayMs: 2_000 },
    });
    await advance(w.walk);
    expect(w.walk.entry.undrained).toBeUndefined();
  });

  it("takes a failed allocation out of maintenance, so nothing stays hidden after a failed rollout", async () => {
    const w = walkOf(entry("health", true, { drained: ["s1"] }), false, {
      health: { kind: "failed", reason: "check failing" },
    });
    expect(await advance(w.walk)).toEqual({ next: "failed", error: "check failing" });
    expect(w.calls.at(-1)).toBe("undrain s1");
    expect(w.walk.entry.drained).toBeUndefined();
  });

  it("takes a drained allocation back into rotation when it is healthy", async () => {
    const w = walkOf(entry("health", true, { drained: ["s1"] }), false);
    expect(await advance(w.walk)).toEqual({ next: "healthy" });
    expect(w.calls.at(-1)).toBe("undrain s1");
    expect(w.walk.entry.drained).toBeUndefined();
  });
});

const STATES: AllocStepState[] = [
  "pending",
  "rendering",
  "draining",
  "restarting",
  "health",
  "healthy",
  "failed",
];

describe("advance: a state read from the record (resumed)", () => {
  it.each(STATES)("%s, no restart recorded for the value → starts over at rendering", async (state) => {
    const w = walkOf(entry(state, false), true);
    expect(await advance(w.walk)).toEqual({ next: "rendering" });
    expect(w.calls).toEqual([]);
  });

  it.each(STATES)("%s, restarted for an older value → starts over at rendering", async (state) => {
    const w = walkOf({ ...entry(state, true), restartedFor: "v1" }, true);
    expect(await advance(w.walk)).toEqual({ next: "rendering" });
  });

  const rows: Row[] = [
    [
      "pending: restart reached Nomad → health",
      "pending",
      { alloc: RESTARTED },
      { next: "health" },
      ["getAllocation"],
    ],
    [
      "pending: restart never reached Nomad → issued once, health",
      "pending",
      {},
      { next: "health" },
      ["getAllocation", "restart all"],
    ],
    ["pending: gone", "pending", { alloc: undefined }, { outcome: "gone" }, ["getAllocation"]],
    [
      "rendering: restart reached Nomad → health",
      "rendering",
      { alloc: RESTARTED },
      { next: "health" },
      ["getAllocation"],
    ],
    [
      "rendering: restart never reached Nomad → issued once, health",
      "rendering",
      {},
      { next: "health" },
      ["getAllocation", "restart all"],
    ],
    ["rendering: gone", "rendering", { alloc: undefined }, { outcome: "gone" }, ["getAllocation"]],
    ["draining: restart went out earlier → health", "draining", {}, { next: "health" }, []],
    [
      "restarting: restart reached Nomad → health, not restarted again",
      "restarting",
      { alloc: RESTARTED },
      { next: "health" },
      ["getAllocation"],
    ],
    [
      "restarting: restart never reached Nomad → issued once, health",
      "restarting",
      {},
      { next: "health" },
      ["getAllocation", "restart all"],
    ],
    [
      "restarting: a failed allocation is not gone: on to health, which fails it",
      "restarting",
      { alloc: alloc("t0", "failed") },
      { next: "health" },
      ["getAllocation"],
    ],
    ["restarting: gone", "restarting", { alloc: undefined }, { outcome: "gone" }, ["getAllocation"]],
    ["health: waits again → healthy", "health", {}, { next: "healthy" }, HEALTH_PASS],
    [
      "health: waits again → failed",
      "health",
      { health: { kind: "failed", reason: "not healthy" } },
      failed("not healthy"),
      ["waitRunning", "waitHealthy"],
    ],
    ["healthy: done, nothing restarted", "healthy", {}, { outcome: "healthy" }, []],
    ["failed: judged again → health", "failed", {}, { next: "health" }, []],
  ];

  it.each(rows)("%s", async (_name, state, answers, expected, calls) => {
    const w = walkOf(entry(state, true), true, answers);
    expect(await advance(w.walk)).toEqual(expected);
    expect(w.calls).toEqual(calls);
  });

  it("gives a resumed allocation a fresh deadline", async () => {
    for (const state of ["restarting", "draining", "failed"] as const) {
      const w = walkOf(entry(state, true), true, { alloc: RESTARTED });
      await advance(w.walk);
      expect(w.walk.deadline?.at).toBe(NOW + DEADLINE_MS);
    }
  });
});

describe("walkAlloc: advance, persist, repeat", () => {
  async function walked(e: AllocProgress, answers: Partial<Answers> = {}) {
    const w = walkOf(e, true, answers);
    const persisted: string[] = [];
    const outcome = await walkAlloc(w.walk, async (en, state, error) => {
      en.state = state;
      persisted.push(error ? `${state}: ${error}` : state);
    });
    return { outcome, persisted, calls: w.calls };
  }

  it("takes a planned allocation through every step", async () => {
    const run = await walked(entry("pending", false), { services: ["s1"] });
    expect(run.outcome).toBe("healthy");
    expect(run.persisted).toEqual(["rendering", "draining", "restarting", "health", "healthy"]);
    expect(run.calls.filter((c) => c.startsWith("restart"))).toEqual(["restart all"]);
  });

  it("logs each step the allocation enters at info, with an undrained restart's reason", async () => {
    const { log, lines } = capturingLogger();
    const w = walkOf(entry("pending", false), true, { services: [] });
    await walkAlloc({ ...w.walk, logger: log }, async (en, state) => void (en.state = state));
    const steps = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; undrained?: string })
      .filter((l) => l.msg.startsWith("allocation ") && l.level === 30);
    expect(steps.map((l) => l.msg)).toEqual([
      "allocation rendering",
      "allocation restarting",
      "allocation health",
      "allocation healthy",
    ]);
    expect(steps[1]?.undrained).toMatch(/no Consul service instance/);
  });

  it("resumes an allocation that was restarting when the leader died, without a second restart", async () => {
    const run = await walked(entry("restarting", true), { alloc: RESTARTED });
    expect(run.outcome).toBe("healthy");
    expect(run.persisted).toEqual(["health", "healthy"]);
    expect(run.calls.filter((c) => c.startsWith("restart"))).toEqual([]);
  });

  it("resumes a waiting allocation without persisting its state again", async () => {
    const run = await walked(entry("health", true));
    expect(run.persisted).toEqual(["healthy"]);
  });

  it("persists the failure with its reason and ends the walk", async () => {
    const run = await walked(entry("pending", false), { render: "timeout" });
    expect(run.outcome).toBe("failed");
    expect(run.persisted).toEqual(["rendering", "failed: v2 not rendered within 30000 ms"]);
  });

  it("ends a held walk in pending", async () => {
    const run = await walked(entry("pending", false), { render: "superseded" });
    expect(run.outcome).toBe("held");
    expect(run.persisted).toEqual(["rendering", "pending"]);
  });
});
