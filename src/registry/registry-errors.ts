import { TagrollError } from "../core/errors.js";

/**
 * Failures talking to a container registry. Each knows the HTTP status a webhook sender should
 * get when it stops a push: 503 whenever a retry could succeed (registry down, rate-limited,
 * credentials being rotated), so nothing is lost; src/server/error-response.ts maps them.
 */
export abstract class RegistryError extends TagrollError {
  readonly status: number = 503;
  constructor(
    /** Registry host, e.g. `registry.example.com:5000`. */
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Unreachable, timed out, or a 5xx answer. */
export class RegistryUnavailableError extends RegistryError {
  readonly code = "registry_unavailable";
  override readonly name = "RegistryUnavailableError";
}

/** `429 Too Many Requests`; `retryAfterMs` comes from `Retry-After` when the registry sent one. */
export class RegistryRateLimitedError extends RegistryError {
  readonly code = "registry_rate_limited";
  override readonly name = "RegistryRateLimitedError";
  constructor(
    host: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      host,
      `registry ${host} is rate-limiting (429)${retryAfterMs !== undefined ? `; retry after ${Math.ceil(retryAfterMs / 1000)}s` : ""}`,
    );
  }
}

/** 401/403 after the auth flow: missing, wrong or insufficient credentials. */
export class RegistryAuthError extends RegistryError {
  readonly code = "registry_auth";
  override readonly name = "RegistryAuthError";
}

/** 404: no such repository, tag or manifest (`NAME_UNKNOWN`, `MANIFEST_UNKNOWN`). */
export class RegistryNotFoundError extends RegistryError {
  readonly code = "registry_not_found";
  override readonly name = "RegistryNotFoundError";
  override readonly status = 404;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
