import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { CoordinatorEvent } from "../coordinator/index.js";
import { sseComment, sseEvent, sseRetry } from "./sse-format.js";

/** The part of an HTTP response an event stream writes to (express's Response is one). */
export interface SseSink {
  write(chunk: string): boolean;
  end(): void;
  once(event: "close", listener: () => void): unknown;
  readonly writableLength: number;
}

export interface EventHubOptions {
  clock: Clock;
  logger: Logger;
  /** Comment sent on every idle stream; proxies drop silent connections. Default 15 s. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued in its socket) is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
}

interface Client {
  sink: SseSink;
  stop: AbortController;
}

/**
 * The open `/status/events` streams. Every coordinator event is framed once and written to all
 * of them; each stream gets its own heartbeat loop on the injected clock, stopped when the
 * stream closes, so an idle server keeps no timers. A client that stops reading is dropped
 * instead of letting its queue grow without bound: its page reconnects and refetches.
 */
export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: EventHubOptions) {
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
    this.maxBufferedBytes = o.maxBufferedBytes ?? 1024 * 1024;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Starts streaming to `sink` (headers already sent) until it closes or the hub does. */
  add(sink: SseSink): void {
    if (this.closed) {
      sink.end();
      return;
    }
    const client: Client = { sink, stop: new AbortController() };
    this.clients.add(client);
    sink.once("close", () => this.remove(client));
    this.send(client, sseRetry(3_000) + sseEvent("hello", { at: this.o.clock.now() }));
    void this.heartbeat(client);
  }

  publish(event: CoordinatorEvent): void {
    if (this.clients.size === 0) return;
    const frame = sseEvent(event.type, event, this.nextId++);
    for (const client of this.clients) this.send(client, frame);
  }

  /** Ends every open stream; later `add` calls end their sink at once. */
  close(): void {
    this.closed = true;
    for (const client of [...this.clients]) this.remove(client, true);
  }

  private send(client: Client, chunk: string): void {
    if (client.sink.writableLength > this.maxBufferedBytes) {
      this.o.logger.warn({ queued: client.sink.writableLength }, "status stream client too slow; dropped");
      this.remove(client, true);
      return;
    }
    client.sink.write(chunk);
  }

  private remove(client: Client, end = false): void {
    if (!this.clients.delete(client)) return;
    client.stop.abort();
    if (end) client.sink.end();
  }

  private async heartbeat(client: Client): Promise<void> {
    try {
      for (;;) {
        await this.o.clock.sleep(this.heartbeatMs, client.stop.signal);
        if (!this.clients.has(client)) return;
        this.send(client, sseComment("heartbeat"));
      }
    } catch {
      // Aborted: the stream closed.
    }
  }
}
