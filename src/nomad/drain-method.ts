import type { NomadService, NomadTask, NomadTaskGroup } from "./nomad-api.js";

/**
 * How an allocation of a group is taken out of rotation before tagroll restarts it. Read from
 * Nomad's client code (client/allocrunner/group_service_hook.go, v1.6.3 to 2.0.x) and measured on
 * the multi-node cluster (README, "The Nomad job contract"):
 *
 * - `group-restart`: the group declares its services. A restart of the allocation's running tasks
 *   (no task name) runs the group service hook first: it deregisters the group's services — on
 *   whatever node they run, from Consul or Nomad's own catalog — waits the group's
 *   `shutdown_delay`, and only then are the tasks killed. Nomad drains; tagroll only asks.
 * - `consul-maintenance`: Consul services declared in the tasks. A task restart deregisters them
 *   at the moment it kills the task, without `shutdown_delay` (until hashicorp/nomad#28465), so
 *   tagroll puts them into Consul maintenance first and waits the delay itself. Maintenance is
 *   agent-local (hashicorp/consul#1105): it works only for instances registered with the Consul
 *   agent tagroll talks to.
 * - `none`: nothing to drain with — task-level Nomad-native services (no maintenance mode), or no
 *   services at all (nothing finds the instance through a catalog).
 */
export type DrainMethod = "group-restart" | "consul-maintenance" | "none";

export interface DrainPlan {
  method: DrainMethod;
  /** How long the instance stays out of rotation before it is killed (the job's `shutdown_delay`). */
  delayMs: number;
  /**
   * Why an instance may be restarted while load balancers still route to it, when that can
   * happen with this method on any cluster; undefined when it cannot.
   */
  caveat?: string;
}

const NANOS_PER_MS = 1_000_000;

/** The drain plan of a group whose `restarted` tasks a rollout restarts. Pure. */
export function drainPlan(group: NomadTaskGroup, restarted: readonly NomadTask[]): DrainPlan {
  const groupServices = group.Services ?? [];
  if (groupServices.length > 0) {
    const delayMs = (group.ShutdownDelay ?? 0) / NANOS_PER_MS;
    return delayMs > 0
      ? { method: "group-restart", delayMs }
      : {
          method: "group-restart",
          delayMs,
          caveat:
            "the group has no shutdown_delay: Nomad deregisters its services and kills the tasks at " +
            'the same moment; set shutdown_delay (e.g. "5s") in the group',
        };
  }
  const taskServices: NomadService[] = restarted.flatMap((task) => task.Services ?? []);
  const delayMs =
    Math.max(group.ShutdownDelay ?? 0, ...restarted.map((task) => task.ShutdownDelay ?? 0)) / NANOS_PER_MS;
  if (taskServices.some((service) => provider(service) === "consul")) {
    return { method: "consul-maintenance", delayMs };
  }
  if (taskServices.length > 0) {
    return {
      method: "none",
      delayMs,
      caveat:
        "its services are Nomad-native and declared in a task: Nomad has no maintenance mode for them " +
        "and removes them only as it kills the task; declare them in the group, with a group shutdown_delay",
    };
  }
  return { method: "none", delayMs: 0 };
}

function provider(service: NomadService): string {
  return service.Provider || "consul";
}
