import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { EventHub, type SseSink } from "../../../src/status-page/event-hub.js";

/** A response stand-in that records what is written and can be "closed by the client". */
class FakeSink implements SseSink {
  chunks: string[] = [];
  ended = false;
  writableLength = 0;
  private onClose: (() => void) | undefined;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  once(_event: "close", listener: () => void): this {
    this.onClose = listener;
    return this;
  }
  clientCloses(): void {
    this.onClose?.();
  }
  get text(): string {
    return this.chunks.join("");
  }
}

/** A clock whose sleeps resolve only when the test says so. */
class StepClock implements Clock {
  sleepers: Array<{ ms: number; wake: () => void; signal: AbortSignal | undefined }> = [];
  now = () => 1_000;
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { ms, wake: resolve, signal };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(new Error("aborted"));
      });
    });
  }
  async tick(): Promise<void> {
    const due = this.sleepers;
    this.sleepers = [];
    due.forEach((s) => s.wake());
    await new Promise((r) => setImmediate(r));
  }
}

const logger = createLogger({ level: "silent" });
const started = { type: "rollout-started", service: "web", rolloutId: "r1", at: 5 } as const;
const event = { ...started, kind: "deploy", value: "v2", resumed: false } as const;

describe("EventHub", () => {
  it("greets a new stream, then writes each event to every open stream with increasing ids", () => {
    const hub = new EventHub({ clock: new StepClock(), logger });
    const a = new FakeSink();
    const b = new FakeSink();
    hub.add(a);
    expect(a.text).toBe('retry: 3000\n\nevent: hello\ndata: {"at":1000}\n\n');
    hub.add(b);
    hub.publish(event);
    hub.publish({ type: "leadership", leader: true, at: 6 });
    for (const sink of [a, b]) {
      expect(sink.text).toContain(`event: rollout-started\nid: 1\ndata: ${JSON.stringify(event)}\n\n`);
      expect(sink.text).toContain(
        'event: leadership\nid: 2\ndata: {"type":"leadership","leader":true,"at":6}\n\n',
      );
    }
    expect(hub.size).toBe(2);
  });

  it("sends a heartbeat comment every interval while open, and stops when the client leaves", async () => {
    const clock = new StepClock();
    const hub = new EventHub({ clock, logger, heartbeatMs: 15_000 });
    const sink = new FakeSink();
    hub.add(sink);
    expect(clock.sleepers.map((s) => s.ms)).toEqual([15_000]);
    await clock.tick();
    await clock.tick();
    expect(sink.chunks.filter((c) => c === ": heartbeat\n\n")).toHaveLength(2);
    sink.clientCloses();
    await clock.tick();
    expect(hub.size).toBe(0);
    expect(clock.sleepers).toEqual([]);
    hub.publish(event);
    expect(sink.text).not.toContain("rollout-started");
  });

  it("close() ends every stream and refuses new ones", async () => {
    const clock = new StepClock();
    const hub = new EventHub({ clock, logger });
    const sinks = [new FakeSink(), new FakeSink()];
    sinks.forEach((s) => hub.add(s));
    hub.close();
    expect(sinks.every((s) => s.ended)).toBe(true);
    expect(hub.size).toBe(0);
    await clock.tick();
    expect(clock.sleepers).toEqual([]);
    const late = new FakeSink();
    hub.add(late);
    expect(late.ended).toBe(true);
    expect(late.chunks).toEqual([]);
  });

  it("drops a client that stops reading instead of queueing for it forever", () => {
    const hub = new EventHub({ clock: new StepClock(), logger, maxBufferedBytes: 100 });
    const slow = new FakeSink();
    const fast = new FakeSink();
    hub.add(slow);
    hub.add(fast);
    slow.writableLength = 101;
    hub.publish(event);
    expect(slow.ended).toBe(true);
    expect(slow.text).not.toContain("rollout-started");
    expect(fast.text).toContain("rollout-started");
    expect(hub.size).toBe(1);
  });
});
