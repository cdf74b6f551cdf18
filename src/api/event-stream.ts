import type { Response } from "express";

/**
 * Writes `events` as NDJSON (one JSON object per line) until they end or the client goes away.
 * Headers go out at once and a blank line every `heartbeatMs`, so neither the client's
 * header/body timeouts (undici: 300 s) nor an idle-closing proxy end a long rollout's stream.
 */
export async function streamNdjson(
  res: Response,
  events: (signal: AbortSignal) => AsyncIterable<unknown>,
  options: { heartbeatMs?: number; onError?: (err: unknown) => void } = {},
): Promise<void> {
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  res.status(200).type("application/x-ndjson").setHeader("cache-control", "no-store");
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write("\n"), options.heartbeatMs ?? 15_000);
  try {
    for await (const event of events(controller.signal)) {
      res.write(`${JSON.stringify(event)}\n`);
    }
  } catch (err) {
    // Headers are gone: the only way left to tell the client is a final error line.
    if (!controller.signal.aborted) {
      options.onError?.(err);
      res.write(`${JSON.stringify({ type: "error", message: (err as Error).message })}\n`);
    }
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}
