import semver from "semver";
import { validate as isValidCron } from "node-cron";
import { z } from "zod";
import { isStateKey, STATE_ROOT } from "../state/kv-layout.js";
import { BYTE_SIZE_HINT, parseByteSize } from "./byte-size.js";
import { DURATION_HINT, parseDuration } from "./duration.js";

/** Zod fields shared by the file schema: each one says in its message what a valid value looks like. */

/** Service names end up in KV keys and URLs, so path characters are never allowed. */
export const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const serviceName = z
  .string()
  .regex(SERVICE_NAME, 'must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit');

export const nonEmpty = z.string().trim().min(1, "must not be empty");

/** A file path; relative paths are resolved later against the config file's directory. */
export const filePath = nonEmpty;

export const durationMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: DURATION_HINT });
    return z.NEVER;
  }
  return ms;
});

export const byteSize = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: "custom", message: BYTE_SIZE_HINT });
    return z.NEVER;
  }
  return bytes;
});

/** Consul accepts session TTLs from 10s to 86400s; normalised to whole seconds ("15s"). */
export const sessionTtl = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 10_000 || ms > 86_400_000) {
    ctx.addIssue({ code: "custom", message: 'expected a duration between "10s" and "24h"' });
    return z.NEVER;
  }
  return `${Math.round(ms / 1000)}s`;
});

/** An integer field whose type error reads "expected an integer" and keeps zod's range messages. */
export const integer = () =>
  z.int({ error: (issue) => (issue.code === "invalid_type" ? "expected an integer" : undefined) });

export const port = integer().min(1).max(65_535);

export const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^/\s]+/i.test(value) && URL.canParse(value), {
    message: "expected an http:// or https:// URL",
  })
  .transform((value) => value.replace(/\/+$/, ""));

export const regexSource = z.string().refine(
  (value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: "is not a valid regular expression" },
);

export const semverRange = z.string().refine((value) => semver.validRange(value) !== null, {
  message: 'is not a valid semver range (e.g. "^1.2.0")',
});

export const cronExpression = z
  .string()
  .refine((value) => isValidCron(value), { message: 'is not a valid cron expression (e.g. "* * * * *")' });

/** A Consul KV key tagroll writes: relative, no `..` segments, no control characters. */
export const kvKey = z
  .string()
  .min(1, "must not be empty")
  .refine((key) => !key.startsWith("/"), { message: 'must not start with "/"' })
  .refine((key) => !key.includes(".."), { message: 'must not contain ".."' })
  .refine((key) => !key.endsWith("/"), { message: 'must name a key, not a folder ending in "/"' })
  .refine((key) => ![...key].some((char) => char <= " " || char === "\u007f"), {
    message: "must not contain whitespace or control characters",
  });

/** A service's desired-state key must stay out of tagroll's own `tagroll/` tree. */
export const serviceKey = kvKey.refine((key) => !isStateKey(key), {
  message: `must not be under "${STATE_ROOT}/" (tagroll keeps its own state there)`,
});

/**
 * Image repository as registries name it: optional `host[:port]/`, then lowercase path
 * components (Docker reference grammar), without a tag or digest.
 */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE = new RegExp(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*$`);

export const imageRepository = z.string().regex(IMAGE, {
  message: 'expected an image repository without tag, e.g. "docker.io/acme/web" or "acme/web"',
});
