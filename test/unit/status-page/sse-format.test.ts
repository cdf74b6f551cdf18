import { describe, expect, it } from "vitest";
import { sseComment, sseEvent, sseRetry } from "../../../src/status-page/sse-format.js";

describe("SSE framing", () => {
  it("frames an event as event, id and data lines ended by a blank line", () => {
    expect(sseEvent("alloc-step", { service: "web", step: "health" }, 7)).toBe(
      'event: alloc-step\nid: 7\ndata: {"service":"web","step":"health"}\n\n',
    );
    expect(sseEvent("hello", { at: 1 })).toBe('event: hello\ndata: {"at":1}\n\n');
  });

  it("keeps line breaks inside values escaped, so one event stays one event", () => {
    const frame = sseEvent("rollout-finished", { error: "deadline\n\nevent: forged\ndata: x" });
    // JSON escapes the newlines: exactly one blank line, at the end.
    expect(frame.indexOf("\n\n")).toBe(frame.length - 2);
    expect(frame.split("\n").filter((l) => l.startsWith("event:"))).toEqual(["event: rollout-finished"]);
    expect(JSON.parse(frame.split("\n")[1]?.slice("data: ".length) ?? "")).toEqual({
      error: "deadline\n\nevent: forged\ndata: x",
    });
  });

  it("refuses event names that could break the framing", () => {
    expect(() => sseEvent("a\nb", {})).toThrow(/invalid SSE event name/);
    expect(() => sseEvent("", {})).toThrow(/invalid SSE event name/);
    expect(() => sseEvent("x y", {})).toThrow(/invalid SSE event name/);
  });

  it("writes comments line by line and a retry field", () => {
    expect(sseComment("heartbeat")).toBe(": heartbeat\n\n");
    expect(sseComment("a\nb\r\nc")).toBe(": a\n: b\n: c\n\n");
    expect(sseRetry(3000.7)).toBe("retry: 3000\n\n");
  });

  it("writes data that a standard SSE parser reads back intact", () => {
    const payload = { type: "drift", rendered: "line1\u2028line2", emoji: "ok ✓" };
    const frame = sseEvent("drift", payload, 1);
    const data = frame
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    expect(JSON.parse(data)).toEqual(payload);
  });
});
