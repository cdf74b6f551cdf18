import type { TagrollConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { startRuntime, type Runtime } from "../../../src/runtime/runtime.js";
import { capturingLogger } from "../../helpers/tagroll.js";

export interface ServedTagroll {
  runtime: Runtime;
  logs(): string[];
  close(): Promise<void>;
}

/**
 * tagroll as `serve` runs it: the real runtime with its built-in surfaces (status page, /metrics,
 * admin API) fed by the coordinator, and every log line captured for the no-token checks.
 */
export async function serveWithStatus(config: TagrollConfig): Promise<ServedTagroll> {
  const { log, lines } = capturingLogger();
  const runtime = await startRuntime({ config, log, clock: systemClock });
  return { runtime, logs: () => [...lines], close: () => runtime.close() };
}
