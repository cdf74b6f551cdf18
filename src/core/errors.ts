/**
 * One error type per kind of failure, each knowing its HTTP status; src/server/error-response.ts maps them.
 * `toResponse` in `src/server/error-response.ts` is the one place that maps them to replies.
 */
export abstract class TagrollError extends Error {
  abstract readonly status: number;
  /** A short machine-readable code, stable for scripts and tests. */
  abstract readonly code: string;
}

/** Input that can never succeed as sent: bad tag, bad JSON, bad config field. */
export class ValidationError extends TagrollError {
  readonly status: number;
  readonly code = "invalid";
  constructor(message: string, status = 400) {
    super(message);
    this.name = "ValidationError";
    this.status = status;
  }
}

/** Unknown, forged or revoked credentials. Always reported as 404 so nothing is revealed. */
export class AuthError extends TagrollError {
  readonly status: number;
  readonly code = "unauthorized";
  constructor(message = "not found", status = 404) {
    super(message);
    this.name = "AuthError";
    this.status = status;
  }
}

/** Authenticated, but not allowed to do this (repository of another service, missing scope). */
export class ForbiddenError extends TagrollError {
  readonly status = 403;
  readonly code = "forbidden";
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** Consul or Nomad could not be reached or answered with a server error; the caller may retry. */
export class UpstreamUnavailableError extends TagrollError {
  readonly status = 503;
  readonly code = "upstream_unavailable";
  constructor(
    readonly upstream: "consul" | "nomad",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UpstreamUnavailableError";
  }
}

/** A compare-and-set lost too many times in a row, or the state changed under us. */
export class ConflictError extends TagrollError {
  readonly status = 409;
  readonly code = "conflict";
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

/** Something asked for does not exist (service, rollout, job). */
export class NotFoundError extends TagrollError {
  readonly status = 404;
  readonly code = "not_found";
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}
