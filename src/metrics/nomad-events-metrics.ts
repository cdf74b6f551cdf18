import { Counter, Gauge, type Registry } from "prom-client";
import type { RolloutObserver } from "../coordinator/index.js";

/**
 * Series of the leader's Nomad event stream (src/coordinator/nomad-events/; README, "Running at
 * scale"): whether it is connected, and each time it dropped or was refused. A refusal means
 * Nomad-side changes are only found by the reconcile sweep until the next leadership term.
 */
export function nomadEventsObserver(registry: Registry): RolloutObserver {
  const registers = [registry];
  const connected = new Gauge({
    name: "tagroll_nomad_event_stream_connected",
    help: "1 while the leader follows Nomad's event stream, else 0",
    registers,
  });
  connected.set(0);
  const failures = new Counter({
    name: "tagroll_nomad_event_stream_failures_total",
    help: "Nomad event stream failures by reason: disconnected (retried) or refused (sweep only until the next term)",
    labelNames: ["reason"] as const,
    registers,
  });
  failures.inc({ reason: "disconnected" }, 0);
  failures.inc({ reason: "refused" }, 0);
  return {
    onNomadEvents(event) {
      connected.set(event.state === "connected" ? 1 : 0);
      if (event.state === "disconnected" || event.state === "refused") failures.inc({ reason: event.state });
    },
  };
}
