import type { Scope } from "../tokens/index.js";

/**
 * Every `/api/v1` endpoint and the scope it needs (scopes nest: admin ⊃ deploy ⊃ read and
 * admin ⊃ approve ⊃ read, see scopes.ts). The router binds a handler to each entry, and the auth tests walk this list, so an
 * endpoint cannot be added without a scope or without being tested.
 */
export const API_ROUTES = [
  {
    method: "get",
    path: "/services",
    scope: "read",
    summary: "status of every service (tagroll status --json)",
  },
  { method: "get", path: "/services/:name", scope: "read", summary: "status of one service" },
  {
    method: "get",
    path: "/services/:name/history",
    scope: "read",
    summary: "history, newest first; ?limit=n",
  },
  {
    method: "get",
    path: "/services/:name/events",
    scope: "read",
    summary: "NDJSON progress of the next rollout; ?after=<rollout id>",
  },
  {
    method: "get",
    path: "/rollouts",
    scope: "read",
    summary: "rollouts in progress; ?all=true for every last record",
  },
  {
    method: "post",
    path: "/services/:name/deploy",
    scope: "deploy",
    summary: '{"tag": "v2", "now"?: true} → desired value; now (admin scope) skips the deploy window',
  },
  { method: "post", path: "/services/:name/rollback", scope: "deploy", summary: "deploy the previous value" },
  {
    method: "post",
    path: "/services/:name/restart",
    scope: "deploy",
    summary: "health-gated rolling restart",
  },
  // Approvals (README, "Approvals"): the approver is the token's subject.
  {
    method: "post",
    path: "/services/:name/approve",
    scope: "approve",
    summary: '{"value"?: "v2"} → approves the waiting value (409 when another value waits)',
  },
  {
    method: "post",
    path: "/services/:name/reject",
    scope: "approve",
    summary: '{"value"?: "v2", "reason"?: "…"} → drops the waiting value',
  },
  { method: "get", path: "/tokens", scope: "admin", summary: "issued webhook tokens; ?service=name" },
  { method: "post", path: "/tokens", scope: "admin", summary: '{"service": "web"} → webhook URL' },
  { method: "delete", path: "/tokens/:jti", scope: "admin", summary: "revoke a token by id" },
] as const satisfies ReadonlyArray<{
  method: "get" | "post" | "delete";
  path: string;
  scope: Scope;
  summary: string;
}>;

export type ApiRoute = (typeof API_ROUTES)[number];
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string }
  ? `${M} ${P}`
  : never;
/** `"get /services"`, …: one per entry of API_ROUTES. */
export type RouteKey = KeyOf<ApiRoute>;

export function routeKey(route: ApiRoute): RouteKey {
  return `${route.method} ${route.path}` as RouteKey;
}
