import { describe, expect, it } from "vitest";
import { effectiveScopes, grants } from "../../../src/api/scopes.js";
import { API_ROUTES } from "../../../src/api/api-routes.js";

describe("API scopes", () => {
  it("nest admin ⊃ deploy ⊃ read, and never upward", () => {
    expect(grants(["read"], "read")).toBe(true);
    expect(grants(["read"], "deploy")).toBe(false);
    expect(grants(["read"], "admin")).toBe(false);
    expect(grants(["deploy"], "read")).toBe(true);
    expect(grants(["deploy"], "deploy")).toBe(true);
    expect(grants(["deploy"], "admin")).toBe(false);
    expect(grants(["admin"], "read")).toBe(true);
    expect(grants(["admin"], "deploy")).toBe(true);
    expect(grants(["admin"], "admin")).toBe(true);
    expect(grants([], "read")).toBe(false);
  });

  it("approve is a sibling of deploy: it includes read, admin includes it, deploy does not", () => {
    expect(grants(["approve"], "approve")).toBe(true);
    expect(grants(["approve"], "read")).toBe(true);
    expect(grants(["approve"], "deploy")).toBe(false);
    expect(grants(["approve"], "admin")).toBe(false);
    expect(grants(["deploy"], "approve")).toBe(false);
    expect(grants(["admin"], "approve")).toBe(true);
    expect(effectiveScopes(["approve"])).toEqual(["read", "approve"]);
  });

  it("expands a token's scopes to what it amounts to", () => {
    expect(effectiveScopes(["deploy"])).toEqual(["read", "deploy"]);
    expect(effectiveScopes(["read", "admin"])).toEqual(["read", "approve", "deploy", "admin"]);
  });

  it("every route names a scope; writes need more than read, tokens need admin", () => {
    for (const route of API_ROUTES) {
      if (route.path.startsWith("/tokens")) expect(route.scope).toBe("admin");
      else if (/\/(approve|reject)$/.test(route.path)) expect(route.scope).toBe("approve");
      else if (route.method === "get") expect(route.scope).toBe("read");
      else expect(route.scope).toBe("deploy");
    }
    expect(new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(API_ROUTES.length);
  });
});
