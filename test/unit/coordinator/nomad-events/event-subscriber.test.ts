import { describe, expect, it } from "vitest";
import { Backoff } from "../../../../src/core/backoff.js";
import type { CoordinatorEvent } from "../../../../src/coordinator/index.js";
import {
  EventSubscriber,
  type NomadEventFrame,
  type OpenEventStream,
} from "../../../../src/coordinator/nomad-events/index.js";
import type { NomadStream } from "../../../../src/nomad/nomad-http.js";
import { silentLogger } from "../fakes/harness.js";
import { VirtualClock } from "../fakes/virtual-clock.js";

const line = (index: number) => `{"Index":${index},"Events":[]}\n`;

/** A body that sends `text` in reads, then either ends (a dropped connection) or waits for the abort. */
function body(parts: string[], signal: AbortSignal, end: boolean): NomadStream {
  async function* chunks() {
    for (const part of parts) yield new TextEncoder().encode(part);
    if (end) return;
    await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error)));
  }
  return { ok: true, chunks: chunks() };
}

function harness(
  answers: Array<(signal: AbortSignal) => NomadStream | Error>,
  stallMs?: number,
  catchUp?: (since: number) => Promise<void>,
) {
  const clock = new VirtualClock();
  const opens: Array<{ index: number; at: number }> = [];
  const frames: NomadEventFrame[] = [];
  const told: CoordinatorEvent[] = [];
  const open: OpenEventStream = async (index, signal) => {
    opens.push({ index, at: clock.now() });
    const answer = answers.shift()?.(signal) ?? body([], signal, false);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const subscriber = new EventSubscriber({
    open,
    clock,
    logger: silentLogger,
    observers: [{ onNomadEvents: (e) => told.push(e) }],
    onFrame: (frame) => frames.push(frame),
    backoff: new Backoff(1_000, 8_000, () => 1),
    ...(stallMs !== undefined && { stallMs }),
    ...(catchUp && { catchUp }),
  });
  return { clock, opens, frames, told, subscriber };
}

describe("Nomad event subscriber", () => {
  it("resumes from the last index + 1 after a disconnect and drops frames it has already handled", async () => {
    const h = harness([
      (s) => body(["{}\n", line(10), line(11).slice(0, 8)], s, true),
      (s) => body([line(11), line(12)], s, true),
      // Nomad answers an index newer than its newest frame with that frame (StartAtClosest).
      (s) => body([line(12), "{}\n", line(15)], s, false),
    ]);
    const stop = new AbortController();
    const running = h.subscriber.run(stop.signal);
    await h.clock.until(() => h.frames.length === 4);
    // 11 arrives whole on the second connection; 12 again on the third is not handled twice.
    expect(h.frames.map((f) => f.Index)).toEqual([10, 11, 12, 15]);
    expect(h.opens.map((o) => o.index)).toEqual([0, 11, 13]);
    expect(h.subscriber.index()).toBe(15);
    stop.abort(new Error("term over"));
    await running;
    expect(h.told.map((e) => e.type === "nomad-events" && e.state)).toEqual([
      "connected",
      "disconnected",
      "connected",
      "disconnected",
      "connected",
      "stopped",
    ]);
    // The partial line of the first connection was handed on once, from the second.
    expect(h.frames.filter((f) => f.Index === 11)).toHaveLength(1);
  });

  it("after each reconnect, and only then, asks what changed since the last frame it handled", async () => {
    const asked: number[] = [];
    const h = harness(
      [
        (s) => body([line(10)], s, true),
        (s) => body([line(40)], s, true),
        // A reconnect before any new frame asks from the same index again.
        (s) => body([], s, true),
        (s) => body([line(41)], s, false),
      ],
      undefined,
      async (since) => {
        asked.push(since);
        // A failed look-up is logged; the stream goes on.
        if (since === 40) throw new Error("Nomad answered 500");
      },
    );
    const stop = new AbortController();
    const running = h.subscriber.run(stop.signal);
    await h.clock.until(() => h.frames.length === 3);
    expect(h.frames.map((f) => f.Index)).toEqual([10, 40, 41]);
    // Not on the first connection (index 0 replays Nomad's buffer); then the index before each gap.
    expect(asked).toEqual([10, 40, 40]);
    stop.abort(new Error("term over"));
    await running;
  });

  it("backs off exponentially while Nomad is unreachable, and resets once connected", async () => {
    const down = () => new Error("ECONNREFUSED");
    const h = harness([down, down, down, (s) => body([line(3)], s, true), down]);
    const stop = new AbortController();
    const running = h.subscriber.run(stop.signal);
    await h.clock.until(() => h.opens.length === 6);
    stop.abort(new Error("term over"));
    await running;
    const gaps = h.opens.slice(1).map((o, i) => o.at - h.opens[i]!.at);
    expect(gaps).toEqual([1_000, 2_000, 4_000, 1_000, 2_000]);
  });

  it("stops for good when Nomad refuses the stream (ACL), telling it once", async () => {
    const h = harness([() => ({ ok: false, status: 403, reason: "Permission denied" })]);
    await h.subscriber.run(new AbortController().signal);
    expect(h.opens).toHaveLength(1);
    expect(h.told).toEqual([
      expect.objectContaining({ state: "refused", reason: "HTTP 403 Permission denied" }),
    ]);
  });

  it("takes Nomad 1.6's 500 Permission denied (a token without read-job) as a refusal", async () => {
    const h = harness([() => ({ ok: false, status: 500, reason: "Permission denied" })]);
    await h.subscriber.run(new AbortController().signal);
    expect(h.opens).toHaveLength(1);
    expect(h.told.map((e) => e.type === "nomad-events" && e.state)).toEqual(["refused"]);
  });

  it("retries a 5xx like a disconnect", async () => {
    const h = harness([
      () => ({ ok: false, status: 500, reason: "no leader" }),
      (s) => body([line(4)], s, false),
    ]);
    const stop = new AbortController();
    const running = h.subscriber.run(stop.signal);
    await h.clock.until(() => h.frames.length === 1);
    stop.abort(new Error("term over"));
    await running;
    expect(h.opens.map((o) => o.index)).toEqual([0, 0]);
    expect(h.told[0]).toEqual(
      expect.objectContaining({ state: "disconnected", reason: "HTTP 500 no leader" }),
    );
  });

  it("gives up a connection that goes silent (no heartbeat) and reconnects from its index", async () => {
    const h = harness([(s) => body([line(7)], s, false), (s) => body([line(8)], s, false)], 40);
    const stop = new AbortController();
    const running = h.subscriber.run(stop.signal);
    await h.clock.until(() => h.frames.length === 2);
    expect(h.opens.map((o) => o.index)).toEqual([0, 8]);
    expect(h.told[1]).toEqual(
      expect.objectContaining({
        state: "disconnected",
        reason: expect.stringMatching(/no data .* for 0.04 s/),
      }),
    );
    stop.abort(new Error("term over"));
    await running;
  });
});
