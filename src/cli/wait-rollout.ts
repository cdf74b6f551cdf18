import type { AdminClient } from "../api/admin-client.js";
import type { RolloutFinishedEvent } from "../coordinator/index.js";
import { EXIT } from "./exit-codes.js";
import { formatEvent } from "./format-event.js";
import type { Output } from "./output.js";

export interface WaitOptions {
  /** Rollout record to skip: the one there before the change. */
  after?: string;
  /** Give up (the rollout goes on) after this long. */
  timeoutMs: number;
  /** Say what we wait for when no rollout has started after this long; default 5 s. */
  noticeMs?: number;
}

/**
 * `--wait`: prints the rollout allocation by allocation (one line per step, on stderr) until it
 * ends, and resolves its final event. The leader may run in another process; until it picks the
 * change up a notice says so, because a `tagroll serve` that is not running is the usual cause.
 */
export async function waitForRollout(
  client: AdminClient,
  service: string,
  out: Output,
  options: WaitOptions,
): Promise<RolloutFinishedEvent> {
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), options.timeoutMs);
  const notice = setTimeout(
    () =>
      out.err(`${service}: waiting for the coordinator to start the rollout (is \`tagroll serve\` running?)`),
    options.noticeMs ?? 5_000,
  );
  try {
    const request = {
      signal: controller.signal,
      ...(options.after !== undefined && { after: options.after }),
    };
    for await (const event of client.follow(service, request)) {
      clearTimeout(notice);
      if (event.type === "rollout-finished") return event;
      out.err(formatEvent(event));
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timeout);
    clearTimeout(notice);
  }
  const why = controller.signal.aborted
    ? `gave up waiting after ${options.timeoutMs / 1000}s`
    : "the stream ended";
  throw new Error(
    `${service}: ${why} before the rollout finished; it goes on — see \`tagroll status ${service}\``,
  );
}

/** 0 when the rollout succeeded, 2 when it ended failed or reverted. */
export function rolloutExitCode(event: RolloutFinishedEvent): number {
  return event.status === "succeeded" ? EXIT.ok : EXIT.rolloutFailed;
}
