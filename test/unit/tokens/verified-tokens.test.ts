import { describe, expect, it } from "vitest";
import { AuthError } from "../../../src/core/errors.js";
import { signHs256 } from "../../../src/tokens/hs256.js";
import { VerifiedTokens } from "../../../src/tokens/verified-tokens.js";
import { createWebhookToken, verifyWebhookToken } from "../../../src/tokens/webhook-token.js";
import { fixedClock, KEY_1, KEYS, notRevoked } from "./token-fixtures.js";

/**
 * The verified-token cache: a token seen before skips its signature check (shown here by
 * verifying it again with no keys at all), yet revocation and expiry still apply on every use.
 */
describe("verified webhook tokens", () => {
  const NO_KEYS: never[] = [];

  it("a token verified once is known by its exact string; any other string is checked in full", async () => {
    const clock = fixedClock();
    const cache = new VerifiedTokens(clock);
    const { token, jti } = await createWebhookToken(KEYS, "k1", "web", clock);
    expect(await verifyWebhookToken(token, KEYS, notRevoked, cache)).toEqual({ service: "web", jti });
    expect(await verifyWebhookToken(token, NO_KEYS, notRevoked, cache)).toEqual({ service: "web", jti });
    const tampered = `${token.slice(0, -2)}${token.endsWith("A") ? "B" : "A"}A`;
    await expect(verifyWebhookToken(tampered, NO_KEYS, notRevoked, cache)).rejects.toBeInstanceOf(AuthError);
    const other = await createWebhookToken(KEYS, "k1", "web", clock);
    await expect(verifyWebhookToken(other.token, NO_KEYS, notRevoked, cache)).rejects.toBeInstanceOf(
      AuthError,
    );
  });

  it("never caches a token that failed, so forged tokens cannot fill it", async () => {
    const clock = fixedClock();
    const cache = new VerifiedTokens(clock);
    const { token } = await createWebhookToken(KEYS, "k1", "web", clock);
    await expect(verifyWebhookToken(token, NO_KEYS, notRevoked, cache)).rejects.toBeInstanceOf(AuthError);
    expect(cache.size).toBe(0);
  });

  it("a cached token revoked afterwards is refused", async () => {
    const clock = fixedClock();
    const cache = new VerifiedTokens(clock);
    const { token, jti } = await createWebhookToken(KEYS, "k1", "web", clock);
    await verifyWebhookToken(token, KEYS, notRevoked, cache);
    const revoked = async (id: string) => id === jti;
    await expect(verifyWebhookToken(token, KEYS, revoked, cache)).rejects.toBeInstanceOf(AuthError);
    await expect(verifyWebhookToken(token, NO_KEYS, revoked, cache)).rejects.toBeInstanceOf(AuthError);
  });

  it("a cached token with an expiry is refused from its exp on", async () => {
    const now = Date.now();
    const clock = fixedClock(now);
    const cache = new VerifiedTokens(clock);
    const exp = Math.floor(now / 1000) + 60;
    const token = await signHs256(KEYS, "k1", "tagroll-webhook", {
      sub: "web",
      jti: "expjtiAAAAAAAAAAAAAAAA",
      iat: Math.floor(now / 1000),
      exp,
    });
    await verifyWebhookToken(token, KEYS, notRevoked, cache);
    clock.set((exp - 1) * 1000);
    await expect(verifyWebhookToken(token, NO_KEYS, notRevoked, cache)).resolves.toMatchObject({
      service: "web",
    });
    clock.set(exp * 1000);
    await expect(verifyWebhookToken(token, NO_KEYS, notRevoked, cache)).rejects.toBeInstanceOf(AuthError);
    expect(cache.size).toBe(0);
  });

  it("holds at most its bound, dropping the oldest", async () => {
    const clock = fixedClock();
    const cache = new VerifiedTokens(clock, 2);
    const tokens = await Promise.all(["a", "b", "c"].map((s) => createWebhookToken([KEY_1], "k1", s, clock)));
    for (const { token } of tokens) await verifyWebhookToken(token, [KEY_1], notRevoked, cache);
    expect(cache.size).toBe(2);
    await expect(verifyWebhookToken(tokens[0]!.token, NO_KEYS, notRevoked, cache)).rejects.toBeInstanceOf(
      AuthError,
    );
    await expect(verifyWebhookToken(tokens[2]!.token, NO_KEYS, notRevoked, cache)).resolves.toMatchObject({
      service: "c",
    });
  });
});
