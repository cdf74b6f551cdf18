import { isTimeZone, wallClock, zonedInstant } from "./zoned-time.js";

/**
 * Deploy windows (README, "Deploy windows"): `"Mon-Fri 09:00-17:00 Europe/Berlin"` — days, a
 * wall-clock range, an IANA time zone. Days are `Mon`…`Sun`, ranges (`Mon-Fri`, `Fri-Mon`),
 * lists (`Mon,Wed,Fri-Sun`) or `daily`. A range whose end is before its start runs overnight and
 * belongs to the day it starts on (`Fri 22:00-02:00` is open Saturday 01:00). `24:00` ends a day.
 */
export interface DeployWindow {
  /** The text it was parsed from, for messages. */
  text: string;
  /** 0 = Monday … 6 = Sunday. */
  days: number[];
  /** Minutes since local midnight. */
  start: number;
  /** Minutes after `start` the window stays open (1 … 1440). */
  length: number;
  zone: string;
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEK = 7 * 1440;

/** A window from its text, or an Error whose message says what to fix. */
export function parseWindow(text: string): DeployWindow {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) {
    throw new Error(
      `"${text}": expected "<days> <HH:MM>-<HH:MM> <time zone>", e.g. "Mon-Fri 09:00-17:00 UTC"`,
    );
  }
  const [dayText, rangeText, zone] = parts as [string, string, string];
  const days = parseDays(dayText, text);
  const range = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(rangeText);
  if (!range) throw new Error(`"${text}": the time range must read HH:MM-HH:MM (24-hour clock)`);
  const start = clockMinute(range[1], range[2], text, false);
  const end = clockMinute(range[3], range[4], text, true);
  if (start === end) throw new Error(`"${text}": the range starts and ends at the same time`);
  if (!isTimeZone(zone)) {
    throw new Error(`"${text}": unknown time zone "${zone}" (use an IANA name such as Europe/Berlin or UTC)`);
  }
  const length = end > start ? end - start : end + 1440 - start;
  return { text, days, start, length, zone };
}

/** True when `t` (epoch ms) falls inside one of the windows; no windows means always open. */
export function isOpen(windows: readonly DeployWindow[], t: number): boolean {
  return windows.length === 0 || windows.some((w) => openIn(w, t));
}

/**
 * The first instant at or after `t` when a window is open (`t` itself when one is). Looks eight
 * days ahead, which covers every weekly window; undefined only for no match, which parseWindow
 * makes impossible.
 */
export function nextOpen(windows: readonly DeployWindow[], t: number): number | undefined {
  if (isOpen(windows, t)) return t;
  let best: number | undefined;
  for (const window of windows) {
    const today = wallClock(window.zone, t);
    for (let ahead = -1; ahead <= 8; ahead++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + ahead));
      const weekday = (date.getUTCDay() + 6) % 7;
      if (!window.days.includes(weekday)) continue;
      const y = date.getUTCFullYear();
      const opens = zonedInstant(window.zone, y, date.getUTCMonth() + 1, date.getUTCDate(), window.start);
      if (opens > t && (best === undefined || opens < best)) best = opens;
    }
  }
  return best;
}

function openIn(window: DeployWindow, t: number): boolean {
  const wall = wallClock(window.zone, t);
  const minuteOfWeek = wall.weekday * 1440 + wall.minute;
  return window.days.some((day) => {
    const since = (minuteOfWeek - (day * 1440 + window.start) + WEEK) % WEEK;
    return since < window.length;
  });
}

function parseDays(text: string, whole: string): number[] {
  if (text.toLowerCase() === "daily") return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const item of text.split(",")) {
    const [from, to, extra] = item.split("-").map((d) => DAYS.indexOf(d.toLowerCase()));
    if (extra !== undefined || from === undefined || from < 0 || (to !== undefined && to < 0)) {
      throw new Error(`"${whole}": days must be Mon…Sun, a range (Mon-Fri), a list (Mon,Wed) or daily`);
    }
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(day);
      if (to === undefined || day === to) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

function clockMinute(hours: string | undefined, minutes: string | undefined, whole: string, end: boolean) {
  const h = Number(hours);
  const m = Number(minutes);
  const midnight = end && h === 24 && m === 0;
  if (!midnight && (h > 23 || m > 59)) {
    throw new Error(`"${whole}": ${hours}:${minutes} is not a time of day (00:00-23:59, or 24:00 as an end)`);
  }
  return h * 60 + m;
}
