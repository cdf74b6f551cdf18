import { describe, expect, it } from "vitest";
import { ConflictError, UpstreamUnavailableError, ValidationError } from "../../../src/core/errors.js";
import { issueWebhookToken } from "../../../src/tokens/issue-webhook-token.js";
import { RevocationStore } from "../../../src/tokens/revocations.js";
import { TokenRegistry } from "../../../src/tokens/token-registry.js";
import { verifyWebhookToken } from "../../../src/tokens/webhook-token.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { fixedClock, KEYS } from "./token-fixtures.js";

const JTI_A = "AAAAAAAAAAAAAAAAAAAAAA";
const JTI_B = "BBBBBBBBBBBBBBBBBBBBBB";

describe("RevocationStore", () => {
  it("writes tagroll/revoked/<jti> once and reports it revoked", async () => {
    const kv = new FakeKvStore();
    const store = new RevocationStore(kv);
    expect(await store.isRevoked(JTI_A)).toBe(false);
    expect(await store.revoke(JTI_A, { service: "web", revokedAt: new Date("2026-01-03T08:29:00Z") })).toBe(
      true,
    );
    expect(await store.revoke(JTI_A, { service: "web", revokedAt: new Date("2026-02-01T00:00:00Z") })).toBe(
      false,
    );
    expect(await store.isRevoked(JTI_A)).toBe(true);
    expect(await store.isRevoked(JTI_B)).toBe(false);
    expect(kv.dump()).toEqual({
      [`tagroll/revoked/${JTI_A}`]: '{"service":"web","revokedAt":"2026-01-03T08:29:00.000Z"}',
    });
  });

  it("lists revocations oldest first, skipping records it cannot read", async () => {
    const kv = new FakeKvStore();
    const store = new RevocationStore(kv);
    await store.revoke(JTI_B, { service: "api", revokedAt: new Date("2026-03-01T00:00:00Z") });
    await store.revoke(JTI_A, { service: "web", revokedAt: new Date("2026-01-01T00:00:00Z") });
    await kv.set("tagroll/revoked/CCCCCCCCCCCCCCCCCCCCCC", "hand-written");
    expect(await store.list()).toEqual([
      { jti: JTI_A, service: "web", revokedAt: new Date("2026-01-01T00:00:00Z") },
      { jti: JTI_B, service: "api", revokedAt: new Date("2026-03-01T00:00:00Z") },
    ]);
  });

  it("refuses ids that are not token ids, so nothing escapes tagroll/revoked/", async () => {
    const store = new RevocationStore(new FakeKvStore());
    for (const jti of ["../leader", "a/b", "", `${JTI_A}x`]) {
      await expect(store.revoke(jti, { service: "web", revokedAt: new Date() })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(store.isRevoked(jti)).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it("lets Consul being down surface as UpstreamUnavailableError", async () => {
    const kv = new FakeKvStore();
    kv.unavailable = true;
    await expect(new RevocationStore(kv).isRevoked(JTI_A)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe("TokenRegistry and issueWebhookToken", () => {
  it("records {service, kid, iat} without the token, and lists by service", async () => {
    const kv = new FakeKvStore();
    const registry = new TokenRegistry(kv);
    const clock = fixedClock();
    const web = await issueWebhookToken({ keys: KEYS, activeKid: "k2", service: "web", clock, registry });
    clock.set(clock.now() + 60_000);
    const api = await issueWebhookToken({ keys: KEYS, activeKid: "k1", service: "api", clock, registry });

    expect(await registry.get(web.jti)).toEqual({ jti: web.jti, service: "web", kid: "k2", iat: web.iat });
    expect((await registry.list()).map((token) => token.service)).toEqual(["web", "api"]);
    expect(await registry.list("api")).toEqual([{ jti: api.jti, service: "api", kid: "k1", iat: api.iat }]);
    const stored = JSON.stringify(kv.dump());
    expect(stored).not.toContain(web.token);
    expect(stored).not.toContain(web.token.split(".")[2]);
  });

  it("refuses to record the same jti twice", async () => {
    const registry = new TokenRegistry(new FakeKvStore());
    await registry.record({ jti: JTI_A, service: "web", kid: "k1", iat: 1 });
    await expect(registry.record({ jti: JTI_A, service: "db", kid: "k1", iat: 2 })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("hands out no token when the record cannot be written", async () => {
    const kv = new FakeKvStore();
    kv.unavailable = true;
    const issuing = issueWebhookToken({
      keys: KEYS,
      activeKid: "k1",
      service: "web",
      clock: fixedClock(),
      registry: new TokenRegistry(kv),
    });
    await expect(issuing).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it("a token revoked through the store no longer verifies", async () => {
    const kv = new FakeKvStore();
    const revocations = new RevocationStore(kv);
    const clock = fixedClock();
    const { token, jti } = await issueWebhookToken({
      keys: KEYS,
      activeKid: "k1",
      service: "web",
      clock,
      registry: new TokenRegistry(kv),
    });
    const isRevoked = (id: string) => revocations.isRevoked(id);
    expect(await verifyWebhookToken(token, KEYS, isRevoked)).toEqual({ service: "web", jti });
    await revocations.revoke(jti, { service: "web", revokedAt: new Date(clock.now()) });
    await expect(verifyWebhookToken(token, KEYS, isRevoked)).rejects.toThrow("not found");
  });
});
