import type { Logger } from "../core/logger.js";
import { toErrorResponse } from "../server/error-response.js";
import { ApiAuthError, InsufficientScopeError } from "./bearer-auth.js";

export interface ApiErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { error: string; message: string };
}

const REALM = 'Bearer realm="tagroll-api"';

/**
 * The API's error replies: the server's one mapping (`toErrorResponse`) plus the RFC 6750
 * challenge headers — 401 with `WWW-Authenticate: Bearer` when the token is missing or bad,
 * 403 with `error="insufficient_scope"` naming the scope when it is valid but too narrow.
 */
export function apiErrorReply(err: unknown, log: Logger): ApiErrorReply {
  if (err instanceof ApiAuthError) {
    log.info({ err: { type: err.name, reason: err.reason } }, "rejected API credentials");
    const challenge = err.reason === "missing" ? REALM : `${REALM}, error="invalid_token"`;
    return {
      status: 401,
      headers: { "www-authenticate": challenge },
      body: { error: "unauthorized", message: err.message },
    };
  }
  const { status, body } = toErrorResponse(err, log);
  const headers: Record<string, string> =
    err instanceof InsufficientScopeError
      ? { "www-authenticate": `${REALM}, error="insufficient_scope", scope="${err.scope}"` }
      : {};
  return { status, headers, body };
}
