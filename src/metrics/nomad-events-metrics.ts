import { Counter, Gauge, type Registry } from "prom-client";
import type { RolloutObserver } from "../coordinator/index.js";

/**
 * Series of the leader's Nomad event stream (src/coordinator/nomad-events/; README, "Running at
 * scale"): whether it is connected, whether what changed while it was away is still unlisted, and
 * each time it dropped, was refused, or that listing failed. A refusal means Nomad-side changes
 * are only found by the reconcile sweep until the next leadership term.
 */
export function nomadEventsObserver(registry: Registry): RolloutObserver {
  const registers = [registry];
  const connected = new Gauge({
    name: "tagroll_nomad_event_stream_connected",
    help: "1 while the leader follows Nomad's event stream, else 0",
    registers,
  });
  connected.set(0);
  const unchecked = new Gauge({
    name: "tagroll_nomad_event_stream_gap_unchecked",
    help:
      "1 while what changed in Nomad during an event stream outage could not be listed yet " +
      "(tried again every 30 s; the reconcile sweep finds it too), else 0",
    registers,
  });
  unchecked.set(0);
  const failures = new Counter({
    name: "tagroll_nomad_event_stream_failures_total",
    help:
      "Nomad event stream failures by reason: disconnected (retried), refused (sweep only until the " +
      "next term), catch-up (what changed while it was away could not be listed; retried)",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of ["disconnected", "refused", "catch-up"]) failures.inc({ reason }, 0);
  return {
    onNomadEvents(event) {
      switch (event.state) {
        case "gap-unchecked":
          unchecked.set(1);
          failures.inc({ reason: "catch-up" });
          return;
        case "gap-checked":
          unchecked.set(0);
          return;
        case "stopped":
          // The term is over: its gap is the next leader's to look up.
          unchecked.set(0);
          connected.set(0);
          return;
        default:
          connected.set(event.state === "connected" ? 1 : 0);
          if (event.state !== "connected") failures.inc({ reason: event.state });
      }
    },
  };
}
