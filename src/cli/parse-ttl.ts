import { InvalidArgumentError } from "commander";
import { parseDuration } from "../config/duration.js";

const DAYS = /^(\d+)d$/;

/**
 * A duration flag in milliseconds: Go-style ("90s", "1h30m") like the config, plus whole days
 * ("30d") because token lifetimes are counted in days. Usage errors exit 1 through commander.
 */
export function parseTtl(text: string, flag: string): number {
  const days = DAYS.exec(text.trim());
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError(`${flag}: expected a duration like "90s", "12h" or "30d"`);
  }
  return ms;
}
