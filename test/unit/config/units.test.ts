import { describe, expect, it } from "vitest";
import { parseByteSize } from "../../../src/config/byte-size.js";
import { parseDuration } from "../../../src/config/duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["3m", 180_000],
    ["24h", 86_400_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1500],
    [" 15s ", 15_000],
  ])("%s → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "10 s", "s", "-5s", "10d", "1h 30m", "abc"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("parseByteSize", () => {
  it.each<[number | string, number]>([
    [65536, 65536],
    ["65536", 65536],
    ["64KiB", 65536],
    ["64kb", 65536],
    ["1MiB", 1_048_576],
    ["2 MB", 2_097_152],
  ])("%j → %d bytes", (value, bytes) => {
    expect(parseByteSize(value)).toBe(bytes);
  });

  it.each<number | string>([0, -1, 1.5, "", "lots", "64GB", "0KiB"])("refuses %j", (value) => {
    expect(parseByteSize(value)).toBeUndefined();
  });
});
