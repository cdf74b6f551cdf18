import type { Scope } from "../tokens/index.js";

/**
 * API scopes nest: `admin` ⊃ `deploy` ⊃ `read`, and `admin` ⊃ `approve` ⊃ `read`. Each endpoint
 * names the one scope it needs (see create-api-router.ts). Whoever may change tags must be able
 * to see what they changed, and whoever may mint webhook URLs can already deploy through one, so
 * a wider scope that lacked a narrower one would only make tokens harder to reason about.
 * `approve` and `deploy` are siblings (README, "Approvals"): an approver need not be able to
 * deploy, and whoever can deploy must not approve their own push.
 */
const INCLUDES: Record<Scope, readonly Scope[]> = {
  read: ["read"],
  approve: ["approve", "read"],
  deploy: ["deploy", "read"],
  admin: ["admin", "deploy", "approve", "read"],
};

/** True when a token holding `held` may call an endpoint that needs `needed`. */
export function grants(held: readonly Scope[], needed: Scope): boolean {
  return held.some((scope) => INCLUDES[scope].includes(needed));
}

/** Every scope `held` amounts to, narrowest first (for `api-token create` output). */
export function effectiveScopes(held: readonly Scope[]): Scope[] {
  const all = new Set(held.flatMap((scope) => INCLUDES[scope]));
  return (["read", "approve", "deploy", "admin"] as const).filter((scope) => all.has(scope));
}
