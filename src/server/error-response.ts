import type { Logger } from "../core/logger.js";
import { AuthError, TagrollError, UpstreamUnavailableError } from "../core/errors.js";

export interface ErrorResponse {
  status: number;
  body: { error: string; message: string };
}

/**
 * The one mapping from errors to HTTP replies and log lines (every error type carries its status: src/core/errors.ts). Auth failures all
 * look the same from outside; unknown errors become a 500 that reveals nothing.
 */
export function toErrorResponse(err: unknown, log: Logger): ErrorResponse {
  if (err instanceof AuthError) {
    log.info({ err: { type: err.name } }, "rejected credentials");
    // Webhook tokens fail as a plain 404 so a prober learns nothing; API tokens get a 401.
    return err.status === 401
      ? { status: 401, body: { error: "unauthorized", message: "missing, invalid or expired token" } }
      : { status: err.status, body: { error: "not_found", message: "not found" } };
  }
  if (err instanceof TagrollError) {
    const level = err.status >= 500 ? "warn" : "info";
    // Not under `err`: pino's error serializer reads any object with a message as an Error and
    // logs its type as "Object", losing which kind of failure this was.
    log[level]({ error: { type: err.name, message: err.message } }, "request failed");
    // The log has the details; a sender only learns which upstream failed, not its address.
    const message =
      err instanceof UpstreamUnavailableError ? `${err.upstream} is unavailable; retry later` : err.message;
    return { status: err.status, body: { error: err.code, message } };
  }
  if (err instanceof URIError) {
    // Express could not percent-decode a path parameter (`/hooks/%E0%A4%A`): for a webhook
    // token that is just a bad token, so it gets the same 404 as every other bad token.
    log.info({ err: { type: err.name } }, "undecodable path");
    return { status: 404, body: { error: "not_found", message: "not found" } };
  }
  const status = httpStatusOf(err);
  if (status) {
    // Errors raised by body parsers (413 too large, 400 malformed) carry their own status.
    log.info({ err: { type: (err as Error).name, status } }, "request rejected by body parser");
    return {
      status,
      body: { error: status === 413 ? "too_large" : "invalid", message: bodyParserMessage(status) },
    };
  }
  log.error({ err }, "unexpected error");
  return { status: 500, body: { error: "internal", message: "internal error" } };
}

function httpStatusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  return typeof s === "number" && s >= 400 && s < 500 ? s : undefined;
}

function bodyParserMessage(status: number): string {
  if (status === 413) return "request body too large";
  if (status === 415) return "unsupported content type";
  return "malformed request body";
}
