import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Every tagroll series, registered on one registry the caller owns (no global
 * default registry). Labels are service names, webhook sources and outcomes only: all bounded
 * and none secret. Tags are not secret but unbounded, so no series is labelled by tag.
 */
export interface TagrollMetrics {
  webhooks: Counter<"source" | "outcome">;
  kvWriteSeconds: Histogram;
  rollouts: Counter<"service" | "outcome">;
  rolloutSeconds: Histogram<"service" | "outcome">;
  allocSeconds: Histogram<"service" | "outcome">;
  restarts: Counter<"service">;
  undrainedRestarts: Counter<"service">;
  reverts: Counter<"service">;
  superseded: Counter<"service">;
  drift: Counter<"service">;
  leader: Gauge;
  // Approvals, deploy windows and promotion (src/gates/).
  waitingValues: Gauge<"service" | "kind">;
  gateChanges: Counter<"service" | "change">;
}

export function defineMetrics(registry: Registry): TagrollMetrics {
  const registers = [registry];
  const leader = new Gauge({
    name: "tagroll_leader",
    help: "1 while this instance holds the coordinator lock (tagroll/leader), else 0",
    registers,
  });
  leader.set(0);
  const perService = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ["service"] as const, registers });
  const perOutcome = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name, help, buckets, labelNames: ["service", "outcome"] as const, registers });
  return {
    webhooks: new Counter({
      name: "tagroll_webhooks_total",
      help: "Webhooks that reached a service, by registry source and outcome",
      labelNames: ["source", "outcome"],
      registers,
    }),
    kvWriteSeconds: new Histogram({
      name: "tagroll_kv_write_seconds",
      help: "Time from reading the desired-tag key to Consul acknowledging the CAS write (accepted webhooks)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    rollouts: new Counter({
      name: "tagroll_rollouts_total",
      help: "Finished rollouts by outcome (succeeded, failed, reverted)",
      labelNames: ["service", "outcome"],
      registers,
    }),
    rolloutSeconds: perOutcome(
      "tagroll_rollout_duration_seconds",
      "Wall time of finished rollouts, start to final state",
      [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    ),
    allocSeconds: perOutcome(
      "tagroll_alloc_rollout_duration_seconds",
      "Per allocation: first rollout step (rendering) to healthy or failed",
      [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
    ),
    restarts: perService("tagroll_restarts_total", "Allocation restarts issued by the coordinator"),
    undrainedRestarts: perService(
      "tagroll_undrained_restarts_total",
      "Allocation restarts issued while load balancers could still route to the instance (no drain possible)",
    ),
    reverts: perService(
      "tagroll_reverts_total",
      "Rollouts that failed and started reverting to the previous value",
    ),
    superseded: perService(
      "tagroll_rollouts_superseded_total",
      "Running rollouts that a newer value superseded",
    ),
    drift: perService(
      "tagroll_drift_total",
      "Allocations found rendering another value than the desired one while no rollout ran",
    ),
    leader,
    waitingValues: new Gauge({
      name: "tagroll_waiting_values",
      help: "1 while a new value of the service waits at its gate, by kind (pending-approval, scheduled); leader only",
      labelNames: ["service", "kind"],
      registers,
    }),
    gateChanges: new Counter({
      name: "tagroll_gate_changes_total",
      help: "Values that started waiting, were released, expired, replaced or promoted, by change",
      labelNames: ["service", "change"],
      registers,
    }),
  };
}
