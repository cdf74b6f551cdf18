import { ValidationError } from "../core/errors.js";

/** A parsed JSON object. Payloads arrive as `unknown`; these helpers read them without casts. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path` below `value`, or undefined when any step is missing or not an object. */
export function valueAt(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function objectAt(value: unknown, ...path: string[]): JsonObject | undefined {
  const found = valueAt(value, ...path);
  return isObject(found) ? found : undefined;
}

/** A non-empty string at `path`; empty strings count as absent because senders use "" for "none". */
export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = valueAt(value, ...path);
  return typeof found === "string" && found !== "" ? found : undefined;
}

export function arrayAt(value: unknown, ...path: string[]): unknown[] | undefined {
  const found = valueAt(value, ...path);
  return Array.isArray(found) ? found : undefined;
}

/** A required non-empty string; its absence makes the payload malformed (400). */
export function requireString(label: string, value: unknown, ...path: string[]): string {
  const found = stringAt(value, ...path);
  if (found === undefined) {
    throw new ValidationError(`${label} payload has no ${path.join(".")}`);
  }
  return found;
}

/**
 * A sender-supplied word (an action, an event type) made safe to put in a reason that is logged
 * and returned: anything that is not a short plain word becomes "unknown".
 */
export function plainWord(value: string | undefined): string {
  return value !== undefined && /^[A-Za-z0-9_.:-]{1,40}$/.test(value) ? value : "unknown";
}
