import { Backoff } from "../../core/backoff.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { NomadStream } from "../../nomad/nomad-http.js";
import { notify, type NomadEventsEvent, type RolloutObserver } from "../model/index.js";
import { EventFrames, type NomadEventFrame } from "./event-frames.js";

/** Opens `/v1/event/stream` from `index` (NomadHttp.stream in production). */
export type OpenEventStream = (index: number, signal: AbortSignal) => Promise<NomadStream>;

export interface EventSubscriberOptions {
  open: OpenEventStream;
  clock: Clock;
  logger: Logger;
  observers: readonly RolloutObserver[];
  onFrame: (frame: NomadEventFrame) => void;
  backoff?: Backoff;
  /**
   * A connection that sends nothing, not even a heartbeat, for this long is given up and opened
   * again. Nomad sends `{}` every 30 s in 1.6 (command/agent/event_endpoint.go) and every 10 s in
   * later releases; a half-open TCP connection would otherwise hang until undici's 5-minute body
   * timeout. Default 75 s.
   */
  stallMs?: number;
  /**
   * After a reconnect, told the last index handled before the disconnect, to look up what changed
   * since by other means: Nomad may no longer buffer every event after it. Runs beside the stream;
   * it reports and retries its own failures (follow-nomad-events.ts `catchUps`), so a rejection
   * here is only logged.
   */
  catchUp?: (sinceIndex: number) => Promise<void>;
}

/**
 * Statuses that say this agent will never serve the stream to this token: 401/403 (the token
 * lacks `read-job`, nomad/stream/event_broker.go `aclAllowsSubscription`), 404/405/501 (an
 * agent without the endpoint), 400 (a topic or parameter this agent does not know). Anything
 * else (5xx, a dropped connection) is retried.
 */
const REFUSED = new Set([400, 401, 403, 404, 405, 501]);

/**
 * Nomad 1.6 answers a valid token that lacks `read-job` with HTTP 500 "Permission denied": the
 * stream's error carries code 500 (nomad/event_endpoint.go, `SubscribeWithACLCheck`), which the
 * HTTP layer keeps. So the reason, not only the status, says "never".
 */
const REFUSED_REASON = /Permission denied|ACL token not found/i;

function refused(reply: { status: number; reason: string }): boolean {
  return REFUSED.has(reply.status) || REFUSED_REASON.test(reply.reason);
}

/**
 * Follows Nomad's event stream until `signal` aborts, or until Nomad refuses it (then it returns
 * and the incremental sweep alone finds changes, as before). After a disconnect it reconnects
 * with backoff from the last frame's index + 1. Nomad starts a subscription at the first
 * buffered frame at or after the index asked for, or at its newest frame when none is that new
 * (nomad/stream/event_buffer.go `StartAtClosest`), so frames at or below the last one seen are
 * dropped rather than handled twice. Nomad buffers only its last events, so after a reconnect
 * `catchUp` lists what changed since the last frame seen. The first connection asks for index 0:
 * Nomad then replays what it still buffers, which lets a new leader catch up on changes made while
 * nobody led.
 */
export class EventSubscriber {
  private lastIndex = 0;

  constructor(private readonly o: EventSubscriberOptions) {}

  /** The index of the last frame handled; 0 before the first. */
  index(): number {
    return this.lastIndex;
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.subscribe(signal);
    } finally {
      if (signal.aborted) this.tell("stopped");
    }
  }

  private async subscribe(signal: AbortSignal): Promise<void> {
    const backoff = this.o.backoff ?? new Backoff(1_000, 60_000);
    while (!signal.aborted) {
      // One controller per connection: the stall watchdog ends this one without ending the term.
      const connection = new AbortController();
      const onAbort = () => connection.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        const reply = await this.o.open(this.lastIndex === 0 ? 0 : this.lastIndex + 1, connection.signal);
        if (!reply.ok && refused(reply)) {
          const reason = `HTTP ${reply.status} ${reply.reason}`;
          this.o.logger.error(
            { status: reply.status, reason: reply.reason },
            "Nomad refused its event stream (the token needs read-job in every namespace, README " +
              '"Running at scale"); Nomad-side changes are now only found by the reconcile sweep',
          );
          this.tell("refused", reason);
          return;
        }
        if (!reply.ok) throw new Error(`HTTP ${reply.status} ${reply.reason}`);
        this.o.logger.info({ index: this.lastIndex }, "following Nomad's event stream");
        this.tell("connected");
        backoff.reset();
        if (this.lastIndex > 0 && this.o.catchUp) {
          const since = this.lastIndex;
          this.o
            .catchUp(since)
            .catch((err: unknown) =>
              this.o.logger.warn(
                { err, since },
                "could not list what changed in Nomad while its event stream was away; the reconcile sweep finds it",
              ),
            );
        }
        await this.follow(reply.chunks, connection);
        throw new Error("Nomad closed the event stream");
      } catch (err) {
        if (signal.aborted) return;
        const retryInMs = backoff.next();
        this.o.logger.warn(
          { err, retryInMs, index: this.lastIndex },
          "Nomad event stream lost; reconnecting",
        );
        this.tell("disconnected", (err as Error).message);
        await this.o.clock.sleep(retryInMs, signal).catch(() => undefined);
      } finally {
        signal.removeEventListener("abort", onAbort);
        connection.abort(new Error("connection done"));
      }
    }
  }

  private async follow(chunks: AsyncIterable<Uint8Array>, connection: AbortController): Promise<void> {
    const frames = new EventFrames();
    const stallMs = this.o.stallMs ?? 75_000;
    const stalled = () =>
      connection.abort(
        new Error(`no data from Nomad's event stream for ${stallMs / 1000} s (not even a heartbeat)`),
      );
    let watchdog = setTimeout(stalled, stallMs);
    try {
      for await (const chunk of chunks) {
        clearTimeout(watchdog);
        watchdog = setTimeout(stalled, stallMs);
        for (const frame of frames.push(chunk)) {
          if (frame.Index <= this.lastIndex) continue;
          this.lastIndex = frame.Index;
          this.o.onFrame(frame);
        }
      }
    } catch (err) {
      // The body's error after a stall is the abort; say why it was aborted.
      throw connection.signal.aborted ? (connection.signal.reason as Error) : err;
    } finally {
      clearTimeout(watchdog);
    }
  }

  private tell(state: NomadEventsEvent["state"], reason?: string): void {
    const event: NomadEventsEvent = {
      type: "nomad-events",
      state,
      ...(reason === undefined ? {} : { reason }),
      at: this.o.clock.now(),
    };
    notify(this.o.observers, event, this.o.logger);
  }
}
