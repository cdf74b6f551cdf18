import { decodeJwt } from "jose";
import type { SigningKey } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import { AuthError, ForbiddenError } from "../core/errors.js";
import { isJti, verifyAdminToken, type Scope } from "../tokens/index.js";
import { grants } from "./scopes.js";

/** Who called the API: the token's subject and scopes (and jti, for revocation and logs). */
export interface Principal {
  subject: string;
  scopes: Scope[];
  jti?: string;
}

/**
 * No usable bearer token: absent (`missing`) or not one we accept (`invalid`: forged, expired,
 * revoked, a webhook token). Unlike the webhook route, the API says 401 — a caller of the API
 * already knows it exists — but never which of the `invalid` reasons applied.
 */
export class ApiAuthError extends AuthError {
  constructor(readonly reason: "missing" | "invalid") {
    super(reason === "missing" ? "missing bearer token" : "invalid, expired or revoked token", 401);
    this.name = "ApiAuthError";
  }
}

/** A valid token without the scope an endpoint needs (RFC 6750 `insufficient_scope`). */
export class InsufficientScopeError extends ForbiddenError {
  constructor(readonly scope: Scope) {
    super(`this token lacks the "${scope}" scope`);
    this.name = "InsufficientScopeError";
  }
}

export interface BearerAuthOptions {
  keys: readonly SigningKey[];
  clock: Clock;
  /** Revocation by jti (`tagroll token revoke <jti>` works for API tokens too). */
  isRevoked: (jti: string) => Promise<boolean>;
}

/** Verifies `Authorization: Bearer <jwt>` headers against the signing keys, scopes and revocations. */
export class BearerAuth {
  constructor(private readonly o: BearerAuthOptions) {}

  async authenticate(header: string | undefined): Promise<Principal> {
    const token = bearerToken(header);
    if (token === undefined) throw new ApiAuthError("missing");
    let verified: { subject: string; scopes: Scope[] };
    try {
      verified = await verifyAdminToken(token, this.o.keys, this.o.clock);
    } catch (err) {
      if (err instanceof AuthError) throw new ApiAuthError("invalid");
      throw err;
    }
    // Signature already checked above, so reading the claim without verifying again is safe.
    const jti = decodeJwt(token).jti;
    if (isJti(jti) && (await this.o.isRevoked(jti))) throw new ApiAuthError("invalid");
    return isJti(jti) ? { ...verified, jti } : verified;
  }

  async authorize(header: string | undefined, scope: Scope): Promise<Principal> {
    const principal = await this.authenticate(header);
    if (!grants(principal.scopes, scope)) throw new InsufficientScopeError(scope);
    return principal;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header ?? "");
  return match?.[1];
}
