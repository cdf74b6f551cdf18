import type { NotificationsConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { observeAll, type RolloutObserver } from "../coordinator/index.js";
import type { NotificationEvent, NotificationSink } from "./notification-event.js";
import type { NotificationMetrics } from "./notification-metrics.js";
import { rolloutNotifications } from "./rollout-notifications.js";
import type { FetchLike } from "./send-attempt.js";
import { TargetQueue } from "./target-queue.js";

export interface NotifierOptions {
  config: NotificationsConfig;
  clock: Clock;
  logger: Logger;
  metrics?: NotificationMetrics;
  /** Default: Node's fetch. */
  fetch?: FetchLike;
  newId?: () => string;
}

/**
 * Sends notifications to the configured targets (README, "Notifications"). It is a coordinator
 * observer — so rollout events reach it — and the `NotificationSink` that approval and schedule
 * code calls. Only the leader's coordinator emits rollout events, and `notify` sends nothing
 * while this instance does not lead, so followers never send a second copy.
 */
export class Notifier implements NotificationSink {
  readonly observer: RolloutObserver;
  private readonly queues: TargetQueue[];
  private readonly workers: Promise<void>[];
  private readonly stopper = new AbortController();
  private leading = false;

  constructor(private readonly o: NotifierOptions) {
    const logger = o.logger.child({ component: "notifications" });
    const settings = { ...o.config };
    this.queues = o.config.targets.map(
      (target) =>
        new TargetQueue({
          target,
          settings,
          clock: o.clock,
          fetch: o.fetch ?? fetch,
          logger,
          stop: this.stopper.signal,
          ...(o.metrics !== undefined && { metrics: o.metrics }),
          ...(o.newId !== undefined && { newId: o.newId }),
        }),
    );
    this.workers = this.queues.map((queue) => queue.run());
    const fromRollout = rolloutNotifications();
    this.observer = observeAll((event) => {
      if (event.type === "leadership") this.leading = event.leader;
      const notice = fromRollout(event);
      if (notice) this.notify(notice);
    });
  }

  /** Queues `event` for every target that wants it; returns at once, never throws. */
  notify(event: NotificationEvent): void {
    if (!this.leading) {
      this.o.logger.debug(
        { event: event.kind, service: event.service },
        "not leading: notification not sent",
      );
      return;
    }
    this.o.config.targets.forEach((target, i) => {
      if (!target.events.includes(event.kind)) return;
      if (target.services !== undefined && !target.services.includes(event.service)) return;
      this.queues[i]?.push(event);
    });
  }

  /** Notifications still waiting, over every target. */
  get pending(): number {
    return this.queues.reduce((sum, queue) => sum + queue.size, 0);
  }

  /** Stops the workers; what is still queued is dropped (and counted). */
  async close(): Promise<void> {
    this.stopper.abort(new Error("notifier closing"));
    await Promise.all(this.workers);
  }
}
