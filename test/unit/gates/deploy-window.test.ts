import { describe, expect, it } from "vitest";
import { isOpen, nextOpen, parseWindow } from "../../../src/gates/deploy-window.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseWindow", () => {
  it("reads days, a range and a zone", () => {
    expect(parseWindow("Mon-Fri 09:00-17:00 Europe/Berlin")).toMatchObject({
      days: [0, 1, 2, 3, 4],
      start: 540,
      length: 480,
      zone: "Europe/Berlin",
    });
    expect(parseWindow("sat,Sun 10:30-12:00 UTC").days).toEqual([5, 6]);
    expect(parseWindow("Fri-Mon 22:00-02:00 UTC")).toMatchObject({
      days: [0, 4, 5, 6],
      start: 1320,
      length: 240,
    });
    expect(parseWindow("daily 00:00-24:00 UTC")).toMatchObject({ days: [0, 1, 2, 3, 4, 5, 6], length: 1440 });
  });

  it.each([
    ["Mon-Fri 09:00-17:00", /expected "<days> <HH:MM>-<HH:MM> <time zone>"/],
    ["Weekdays 09:00-17:00 UTC", /days must be Mon…Sun/],
    ["Mon-Fri-Sat 09:00-17:00 UTC", /days must be Mon…Sun/],
    ["Mon 9:00-17:00 UTC", /HH:MM-HH:MM/],
    ["Mon 09:00-25:00 UTC", /25:00 is not a time of day/],
    ["Mon 24:00-02:00 UTC", /24:00 is not a time of day/],
    ["Mon 09:00-09:00 UTC", /starts and ends at the same time/],
    ["Mon 09:00-17:00 Europe/Atlantis", /unknown time zone "Europe\/Atlantis"/],
  ])("refuses %j with a message that says what to fix", (text, message) => {
    expect(() => parseWindow(text)).toThrow(message);
  });
});

describe("isOpen and nextOpen", () => {
  const office = [parseWindow("Mon-Fri 09:00-17:00 Europe/Berlin")];

  it("is open inside the window in the window's zone, closed outside", () => {
    // 2026-11-25 is a Wednesday; Berlin is UTC+1 in November.
    expect(isOpen(office, at("2026-11-25T08:00:00Z"))).toBe(true);
    expect(isOpen(office, at("2026-11-25T07:59:00Z"))).toBe(false);
    expect(isOpen(office, at("2026-11-25T15:59:00Z"))).toBe(true);
    expect(isOpen(office, at("2026-11-25T16:00:00Z"))).toBe(false);
    expect(isOpen(office, at("2026-11-28T10:00:00Z"))).toBe(false); // Saturday
    expect(isOpen([], at("2026-11-28T10:00:00Z"))).toBe(true);
  });

  it("finds the next opening: later today, the next weekday, over the weekend", () => {
    expect(iso(nextOpen(office, at("2026-11-25T07:00:00Z")))).toBe("2026-11-25T08:00:00.000Z");
    expect(iso(nextOpen(office, at("2026-11-25T17:00:00Z")))).toBe("2026-11-26T08:00:00.000Z");
    expect(iso(nextOpen(office, at("2026-11-27T16:30:00Z")))).toBe("2026-11-30T08:00:00.000Z");
    expect(nextOpen(office, at("2026-11-25T09:00:00Z"))).toBe(at("2026-11-25T09:00:00Z"));
  });

  it("follows daylight saving time (Berlin is UTC+2 in summer)", () => {
    expect(iso(nextOpen(office, at("2026-06-06T12:00:00Z")))).toBe("2026-06-08T07:00:00.000Z");
    // The night the clocks go forward (Sunday 2026-03-29): Monday opens at 07:00Z.
    expect(iso(nextOpen(office, at("2026-03-28T12:00:00Z")))).toBe("2026-03-30T07:00:00.000Z");
  });

  it("handles overnight windows and picks the earliest of several", () => {
    const night = [parseWindow("Fri 22:00-02:00 UTC")];
    expect(isOpen(night, at("2026-11-28T01:30:00Z"))).toBe(true); // Saturday, from Friday's window
    expect(isOpen(night, at("2026-11-28T02:00:00Z"))).toBe(false);
    const both = [...office, parseWindow("Sat 10:00-12:00 America/New_York")];
    expect(iso(nextOpen(both, at("2026-11-27T17:00:00Z")))).toBe("2026-11-28T15:00:00.000Z");
  });
});
