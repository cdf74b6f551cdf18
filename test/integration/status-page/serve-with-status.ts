import { Writable } from "node:stream";
import type { TagrollConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { Operations } from "../../../src/coordinator/operations.js";
import { createMetrics, type Metrics } from "../../../src/metrics/create-metrics.js";
import { startRuntime, type Runtime } from "../../../src/runtime/runtime.js";
import { createStatusPage, type StatusPage } from "../../../src/status-page/create-status-page.js";

export interface ServedTagroll {
  runtime: Runtime;
  statusPage: StatusPage;
  metrics: Metrics;
  logs(): string[];
  close(): Promise<void>;
}

/**
 * tagroll as `serve` would run it once the lead wires the operator surfaces in: the real
 * runtime, with the status page and metrics mounted through `routers` and their observers
 * passed in `observers` / `ingressObserver`. The page's Operations and history are built from
 * the runtime's own clients, so nothing opens a second Consul or Nomad connection.
 */
export async function serveWithStatus(config: TagrollConfig): Promise<ServedTagroll> {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        done();
      },
    }),
  });
  let operations: Operations | undefined;
  let history: Runtime["history"] | undefined;
  const statusPage = createStatusPage({
    // Bound once startRuntime has built the clients (routers run before it listens).
    operations: { status: () => (operations as Operations).status() },
    history: { list: (service) => (history as Runtime["history"]).list(service) },
    keys: config.keys,
    logger: log,
    clock: systemClock,
  });
  const metrics = createMetrics();
  const runtime = await startRuntime({
    config,
    log,
    clock: systemClock,
    observers: [statusPage.observer, metrics.rolloutObserver],
    ingressObserver: metrics.ingressObserver,
    routers: (parts) => {
      operations = new Operations({
        config,
        kv: parts.kv,
        nomad: parts.nomad,
        logger: log,
        clock: systemClock,
      });
      history = parts.history;
      return [
        { path: "/", router: metrics.router },
        { path: "/", router: statusPage.router },
      ];
    },
  });
  return {
    runtime,
    statusPage,
    metrics,
    logs: () => [...lines],
    close: async () => {
      // Open event streams hold their connections; the server's close waits for those.
      statusPage.close();
      await runtime.close();
    },
  };
}
