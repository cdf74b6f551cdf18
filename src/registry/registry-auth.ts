import type { Challenge } from "./www-authenticate.js";

/** Credentials for one registry host, read from env or files by the config (never logged). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Basic auth header value for `credentials`. */
export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

/**
 * The token endpoint URL for a Bearer challenge: `realm?service=…&scope=…` (Distribution,
 * "Token Authentication Specification"). The scope comes from the challenge when the registry
 * names one, else from what the call needs.
 */
export function tokenUrl(challenge: Challenge, scope: string): string {
  if (!challenge.realm) throw new Error("Bearer challenge without a realm");
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set("service", challenge.service);
  url.searchParams.set("scope", challenge.scope ?? scope);
  return url.toString();
}

/** A token endpoint's answer: `token` or `access_token`, valid `expires_in` seconds (default 60). */
export function parseTokenReply(body: unknown, now: number): { token: string; expiresAt: number } {
  const reply = (body ?? {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token =
    typeof reply.token === "string"
      ? reply.token
      : typeof reply.access_token === "string"
        ? reply.access_token
        : "";
  if (token === "") throw new Error("token endpoint answered without a token");
  const seconds = typeof reply.expires_in === "number" && reply.expires_in > 0 ? reply.expires_in : 60;
  // Renew 10 s early so a token never expires between our check and the registry's.
  return { token, expiresAt: now + Math.max(1, seconds - 10) * 1000 };
}
