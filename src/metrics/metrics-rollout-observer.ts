import type { RolloutObserver } from "../coordinator/index.js";
import { safeLabel } from "./safe-label.js";
import type { TagrollMetrics } from "./tagroll-metrics.js";

/**
 * Turns coordinator events into series. Durations come from the events' own `at` stamps (the
 * coordinator's clock), so nothing here reads the time. Per-allocation durations need the start
 * of each allocation's turn; those are kept per rollout and dropped when the rollout finishes,
 * so the map never outgrows the rollouts in flight.
 */
export function metricsRolloutObserver(m: TagrollMetrics): RolloutObserver {
  /** rolloutId → allocId → `at` of the allocation's first step in this turn. */
  const turns = new Map<string, Map<string, number>>();
  const turnsOf = (rolloutId: string) => {
    let allocs = turns.get(rolloutId);
    if (!allocs) turns.set(rolloutId, (allocs = new Map()));
    return allocs;
  };

  return {
    onAllocStep(event) {
      const service = safeLabel(event.service);
      const allocs = turnsOf(event.rolloutId);
      switch (event.step) {
        case "pending":
          allocs.delete(event.allocId);
          return;
        case "rendering":
        case "restarting":
        case "health":
          if (!allocs.has(event.allocId)) allocs.set(event.allocId, event.at);
          if (event.step === "restarting") m.restarts.inc({ service });
          if (event.step === "restarting" && event.undrained) m.undrainedRestarts.inc({ service });
          return;
        case "healthy":
        case "failed": {
          const started = allocs.get(event.allocId);
          allocs.delete(event.allocId);
          // A resumed allocation's first event may be its last: no start seen, no duration.
          if (started !== undefined) {
            m.allocSeconds.observe({ service, outcome: event.step }, (event.at - started) / 1000);
          }
          return;
        }
        case "dropped":
          allocs.delete(event.allocId);
          return;
      }
    },
    onRolloutSuperseded(event) {
      m.superseded.inc({ service: safeLabel(event.service) });
    },
    onRolloutReverting(event) {
      m.reverts.inc({ service: safeLabel(event.service) });
    },
    onRolloutFinished(event) {
      turns.delete(event.rolloutId);
      const labels = { service: safeLabel(event.service), outcome: safeLabel(event.status) };
      m.rollouts.inc(labels);
      m.rolloutSeconds.observe(labels, Math.max(0, event.durationMs) / 1000);
    },
    onDrift(event) {
      m.drift.inc({ service: safeLabel(event.service) });
    },
    onGate(event) {
      const service = safeLabel(event.service);
      m.gateChanges.inc({ service, change: safeLabel(event.change) });
      // A promotion is about the target; what waits here did not change.
      if (event.change === "promoted" || event.change === "promotion-failed") return;
      for (const kind of ["pending-approval", "scheduled"] as const) {
        m.waitingValues.set({ service, kind }, event.waiting?.kind === kind ? 1 : 0);
      }
    },
    onLeadershipChanged(event) {
      m.leader.set(event.leader ? 1 : 0);
      // What waits is the leader's to report; the next leader's gates set it again.
      if (!event.leader) m.waitingValues.reset();
      // Rollouts in flight go on under the next leader; their starts are that leader's to see.
      if (!event.leader) turns.clear();
    },
  };
}
