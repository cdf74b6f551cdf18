import { describe, expect, it } from "vitest";
import { EventFrames } from "../../../../src/coordinator/nomad-events/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const allocEvent = (index: number, jobId: string) => ({
  Topic: "Allocation",
  Type: "AllocationUpdated",
  Key: `alloc-${index}`,
  Namespace: "default",
  Index: index,
  Payload: { Allocation: { JobID: jobId, ClientStatus: "running", DesiredStatus: "run" } },
});

describe("Nomad event stream frames", () => {
  it("skips heartbeats and blank lines, keeps every event of a multi-event frame", () => {
    const frames = new EventFrames();
    const frame = { Index: 12, Events: [allocEvent(12, "web"), allocEvent(12, "api")] };
    const out = frames.push(bytes(`{}\n\n${JSON.stringify(frame)}\n{}\n`));
    expect(out).toEqual([frame]);
    expect(out[0]!.Events.map((e) => e.Payload?.Allocation?.JobID)).toEqual(["web", "api"]);
  });

  it("joins a frame split across reads, even inside a multi-byte character", () => {
    const frames = new EventFrames();
    const frame = { Index: 7, Events: [{ ...allocEvent(7, "wéb-✓") }] };
    const all = bytes(`${JSON.stringify(frame)}\n{"Index":8,"Events":[]}\n`);
    const cut = all.indexOf(0xe2) + 1; // inside the three bytes of ✓
    expect(frames.push(all.slice(0, 5))).toEqual([]);
    expect(frames.push(all.slice(5, cut))).toEqual([]);
    expect(frames.push(all.slice(cut))).toEqual([frame, { Index: 8, Events: [] }]);
  });

  it("refuses a line that is not a frame, naming it", () => {
    expect(() => new EventFrames().push("<html>proxy error</html>\n")).toThrow(/not JSON: <html>/);
    expect(() => new EventFrames().push('{"Error":"x"}\n')).toThrow(/not an event frame/);
  });
});
