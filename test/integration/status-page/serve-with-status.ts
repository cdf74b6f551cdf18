import { Writable } from "node:stream";
import type { TagrollConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { startRuntime, type Runtime } from "../../../src/runtime/runtime.js";

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
  const runtime = await startRuntime({ config, log, clock: systemClock });
  return { runtime, logs: () => [...lines], close: () => runtime.close() };
}
