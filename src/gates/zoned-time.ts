/**
 * Wall-clock arithmetic in an IANA time zone through `Intl` (no tz database of our own): what a
 * zone's clock reads at an instant, and which instant a wall-clock time in the zone is.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `Intl` knows the zone (`Europe/Berlin`, `UTC`, …). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
}

/** The zone's wall clock at instant `t` (epoch ms). */
export function wallClock(zone: string, t: number): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(t))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const year = parts["year"] ?? 0;
  const month = parts["month"] ?? 1;
  const day = parts["day"] ?? 1;
  // hourCycle h23 still prints midnight as 24 on some engines; normalise.
  const hour = (parts["hour"] ?? 0) % 24;
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { year, month, day, weekday, minute: hour * 60 + (parts["minute"] ?? 0) };
}

/**
 * The instant at which the zone's clock reads `minute` on the given local date. In a DST gap (a
 * time the clock skips) it lands just after the gap; in an overlap, on the first occurrence.
 */
export function zonedInstant(zone: string, year: number, month: number, day: number, minute: number): number {
  const asUtc = Date.UTC(year, month - 1, day, 0, minute);
  let t = asUtc - offsetMs(zone, asUtc);
  t = asUtc - offsetMs(zone, t);
  return t;
}

/** How far the zone's clock is ahead of UTC at instant `t`, ms. */
function offsetMs(zone: string, t: number): number {
  const wall = wallClock(zone, t);
  const seconds = Math.floor(t / 60_000) * 60_000;
  return Date.UTC(wall.year, wall.month - 1, wall.day, 0, wall.minute) - seconds;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, found);
  }
  return found;
}
