import { describe, expect, it } from "vitest";
import { drainPlan } from "../../../src/nomad/drain-method.js";
import type { NomadService, NomadTask, NomadTaskGroup } from "../../../src/nomad/nomad-api.js";

const SECOND = 1_000_000_000;
const consul: NomadService = { Name: "web", PortLabel: "http", Checks: [{ Type: "http" }] };
const nomadNative: NomadService = { ...consul, Provider: "nomad" };

function task(services: NomadService[] = [], shutdownDelay = 0): NomadTask {
  return { Name: "app", Driver: "raw_exec", Services: services, ShutdownDelay: shutdownDelay };
}

function group(services: NomadService[], shutdownDelay: number | null, tasks: NomadTask[]): NomadTaskGroup {
  return { Name: "app", Count: 3, Tasks: tasks, Services: services, ShutdownDelay: shutdownDelay };
}

describe("drainPlan", () => {
  it("lets Nomad drain group-level services by a restart of the whole allocation", () => {
    const t = task();
    expect(drainPlan(group([consul], 2 * SECOND, [t]), [t])).toEqual({
      method: "group-restart",
      delayMs: 2000,
    });
  });

  it("does so for Nomad-native group services too: the group hook drains both providers", () => {
    const t = task();
    expect(drainPlan(group([nomadNative], SECOND, [t]), [t])).toEqual({
      method: "group-restart",
      delayMs: 1000,
    });
  });

  it("warns that a group without shutdown_delay is killed as it is deregistered", () => {
    const t = task();
    const plan = drainPlan(group([consul], null, [t]), [t]);
    expect(plan.method).toBe("group-restart");
    expect(plan.delayMs).toBe(0);
    expect(plan.caveat).toMatch(/shutdown_delay/);
  });

  it("uses Consul maintenance for Consul services declared in a task, with the task's delay", () => {
    const t = task([consul], 3 * SECOND);
    expect(drainPlan(group([], null, [t]), [t])).toEqual({ method: "consul-maintenance", delayMs: 3000 });
  });

  it("has nothing to drain task-level Nomad-native services with, and says what to change", () => {
    const t = task([nomadNative], SECOND);
    const plan = drainPlan(group([], null, [t]), [t]);
    expect(plan.method).toBe("none");
    expect(plan.caveat).toMatch(/declare them in the group/);
  });

  it("has nothing to drain in a group without services, and no caveat", () => {
    const t = task();
    expect(drainPlan(group([], null, [t]), [t])).toEqual({ method: "none", delayMs: 0 });
  });

  it("looks only at the services of the tasks it restarts", () => {
    const restarted = task();
    const sidecar = { ...task([consul]), Name: "sidecar" };
    expect(drainPlan(group([], null, [restarted, sidecar]), [restarted]).method).toBe("none");
  });
});
