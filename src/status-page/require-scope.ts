import type { NextFunction, Request, Response } from "express";
import type { Scope } from "../tokens/index.js";

/** Resolves a bearer token's scopes, or throws for a bad, expired or revoked one. */
export type Authorize = (token: string) => Promise<{ subject: string; scopes: readonly Scope[] }>;

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/-]+=*)[ \t]*$/i;

/**
 * Bearer-token gate for the status data routes (RFC 6750 §3): no token or a token that does not
 * verify → 401, a valid token without `scope` → 403 `insufficient_scope`. The token arrives in
 * the Authorization header only: a query-string token would end up in proxy logs and history.
 */
export function requireScope(authorize: Authorize, scope: Scope) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const match = BEARER.exec(req.header("authorization") ?? "");
    const challenge = `Bearer realm="tagroll", scope="${scope}"`;
    if (!match?.[1]) {
      refuse(res, 401, challenge, `a bearer token with ${scope} scope is required`);
      return;
    }
    let granted: Awaited<ReturnType<Authorize>>;
    try {
      granted = await authorize(match[1]);
    } catch {
      req.log?.info({ route: req.baseUrl + req.path }, "status page: token refused");
      refuse(res, 401, `${challenge}, error="invalid_token"`, "invalid or expired token");
      return;
    }
    if (!granted.scopes.includes(scope)) {
      req.log?.info({ subject: granted.subject }, "status page: token lacks scope");
      refuse(res, 403, `${challenge}, error="insufficient_scope"`, `this token lacks the ${scope} scope`);
      return;
    }
    // The page draws action buttons from these (browser/actions.js); the API checks them again.
    res.locals["viewer"] = { subject: granted.subject, scopes: [...granted.scopes] };
    next();
  };
}

function refuse(res: Response, status: 401 | 403, challenge: string, message: string): void {
  res
    .status(status)
    .setHeader("WWW-Authenticate", challenge)
    .setHeader("Cache-Control", "no-store")
    .json({ error: status === 401 ? "unauthorized" : "forbidden", message });
}
