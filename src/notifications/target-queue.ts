import { randomUUID } from "node:crypto";
import type { NotificationsConfig, NotificationTargetConfig } from "../config/types.js";
import { Backoff } from "../core/backoff.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { NotificationEvent } from "./notification-event.js";
import type { NotificationMetrics } from "./notification-metrics.js";
import { sendAttempt, type FetchLike } from "./send-attempt.js";

export interface TargetQueueDeps {
  target: NotificationTargetConfig;
  settings: Omit<NotificationsConfig, "targets">;
  clock: Clock;
  fetch: FetchLike;
  logger: Logger;
  metrics?: NotificationMetrics;
  stop: AbortSignal;
  newId?: () => string;
}

/**
 * One target's deliveries: a bounded FIFO and one worker that sends them in order, one at a
 * time, each with up to `attempts` tries and exponential backoff between them (core/backoff.ts).
 * `push` only appends, so whoever announces an event never waits; a full queue drops the new
 * notification and counts it. A slow or dead target holds up only its own queue.
 */
export class TargetQueue {
  private readonly items: NotificationEvent[] = [];
  private wake: (() => void) | undefined;
  private readonly log: Logger;
  private readonly labels: { target: string };

  constructor(private readonly d: TargetQueueDeps) {
    this.log = d.logger.child({ target: d.target.name });
    this.labels = { target: d.target.name };
  }

  get size(): number {
    return this.items.length;
  }

  push(event: NotificationEvent): void {
    const stopping = this.d.stop.aborted;
    if (stopping || this.items.length >= this.d.settings.queueSize) {
      this.d.metrics?.notifications.inc({ ...this.labels, event: event.kind, outcome: "dropped" });
      this.log.warn(
        { event: event.kind, service: event.service, queued: this.items.length },
        stopping ? "notification dropped: tagroll is stopping" : "notification dropped: queue full",
      );
      return;
    }
    this.items.push(event);
    this.d.metrics?.queued.set(this.labels, this.items.length);
    this.wake?.();
  }

  /** The worker; returns once `stop` aborts. What is still queued then is counted as dropped. */
  async run(): Promise<void> {
    const { stop } = this.d;
    while (!stop.aborted) {
      const event = this.items[0];
      if (event === undefined) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stop.removeEventListener("abort", done);
            resolve();
          };
          this.wake = done;
          stop.addEventListener("abort", done, { once: true });
        });
        this.wake = undefined;
        continue;
      }
      await this.deliver(event).catch((err: unknown) =>
        this.log.error({ err }, "notification worker failed"),
      );
      this.items.shift();
      this.d.metrics?.queued.set(this.labels, this.items.length);
    }
    for (const event of this.items.splice(0)) {
      this.d.metrics?.notifications.inc({ ...this.labels, event: event.kind, outcome: "dropped" });
    }
    this.d.metrics?.queued.set(this.labels, 0);
  }

  private async deliver(event: NotificationEvent): Promise<void> {
    const { settings, clock, stop } = this.d;
    const deliveryId = (this.d.newId ?? randomUUID)();
    const backoff = new Backoff(settings.backoffMs, settings.maxBackoffMs);
    const log = this.log.child({ event: event.kind, service: event.service, deliveryId });
    for (let attempt = 1; ; attempt++) {
      const timestamp = Math.floor(clock.now() / 1000);
      const r = await sendAttempt(
        this.d.fetch,
        this.d.target,
        event,
        { deliveryId, timestamp, attempt },
        settings.timeoutMs,
        stop,
      );
      if (stop.aborted) return this.outcome(event, "dropped");
      this.d.metrics?.attempts.inc({ ...this.labels, result: r.result });
      if (r.result === "2xx") {
        log.debug({ attempt }, "notification delivered");
        return this.outcome(event, "delivered");
      }
      if (!r.retry || attempt >= settings.attempts) {
        log.warn({ attempt, result: r.detail }, "notification not delivered; giving up");
        return this.outcome(event, "failed");
      }
      const wait = Math.min(settings.maxBackoffMs, Math.max(backoff.next(), r.retryAfterMs ?? 0));
      log.info({ attempt, result: r.detail, retryInMs: wait }, "notification attempt failed; will retry");
      try {
        await clock.sleep(wait, stop);
      } catch {
        return this.outcome(event, "dropped");
      }
    }
  }

  private outcome(event: NotificationEvent, outcome: "delivered" | "failed" | "dropped"): void {
    this.d.metrics?.notifications.inc({ ...this.labels, event: event.kind, outcome });
  }
}
