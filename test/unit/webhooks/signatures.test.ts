import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuthError } from "../../../src/core/errors.js";
import {
  authenticateDelivery,
  verifySignature,
  WebhookSignatureError,
} from "../../../src/webhooks/signatures.js";
import { jsonRequest, loadFixture } from "./load-fixture.js";

const GHCR_SECRET = "It's a Secret to Everybody";

function rejection(check: () => void): WebhookSignatureError {
  try {
    check();
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error;
    throw error;
  }
  throw new Error("expected the check to fail");
}

describe("verifySignature", () => {
  it("matches GitHub's documented test vector", () => {
    const req = jsonRequest("Hello, World!", {
      "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    });
    const exact = { ...req, rawBody: Buffer.from("Hello, World!") };
    expect(() => verifySignature("ghcr", exact, GHCR_SECRET)).not.toThrow();
  });

  it("accepts the signed GHCR fixture and rejects a wrong secret, a changed body or no header", () => {
    const req = loadFixture("ghcr-package-create");
    expect(() => verifySignature("ghcr", req, GHCR_SECRET)).not.toThrow();
    expect(rejection(() => verifySignature("ghcr", req, "another secret")).reason).toBe(
      "bad X-Hub-Signature-256",
    );
    const tampered = { ...req, rawBody: Buffer.concat([req.rawBody, Buffer.from(" ")]) };
    expect(() => verifySignature("ghcr", tampered, GHCR_SECRET)).toThrow(WebhookSignatureError);
    const unsigned = loadFixture("ghcr-package-create", { "x-hub-signature-256": undefined });
    expect(() => verifySignature("ghcr", unsigned, GHCR_SECRET)).toThrow(WebhookSignatureError);
  });

  it("accepts JFrog's header as an HMAC of the body or as the secret itself", () => {
    const signed = loadFixture("jfrog-pushed");
    expect(() => verifySignature("jfrog", signed, "jfrog-webhook-secret")).not.toThrow();
    const plain = loadFixture("jfrog-pushed", { "x-jfrog-event-auth": "jfrog-webhook-secret" });
    expect(() => verifySignature("jfrog", plain, "jfrog-webhook-secret")).not.toThrow();
    expect(() => verifySignature("jfrog", signed, "other")).toThrow(WebhookSignatureError);
    const missing = loadFixture("jfrog-pushed", { "x-jfrog-event-auth": undefined });
    expect(() => verifySignature("jfrog", missing, "jfrog-webhook-secret")).toThrow(WebhookSignatureError);
  });

  it.each([
    ["harbor", "harbor-push-artifact", "Basic aGFyYm9yOmhvb2s="],
    ["distribution", "distribution-index-push", "Bearer s3cret-registry-token"],
    ["distribution", "distribution-gitlab-push", "gitlab-notify-token"],
    ["acr", "acr-push", "Basic YWNyOmhvb2s="],
  ] as const)("compares the %s Authorization header verbatim (%s)", (source, name, secret) => {
    expect(() => verifySignature(source, loadFixture(name), secret)).not.toThrow();
    expect(() => verifySignature(source, loadFixture(name), `${secret}x`)).toThrow(WebhookSignatureError);
    expect(() => verifySignature(source, loadFixture(name), secret.slice(0, -1))).toThrow(
      WebhookSignatureError,
    );
    const missing = loadFixture(name, { authorization: undefined });
    expect(() => verifySignature(source, missing, secret)).toThrow(WebhookSignatureError);
  });

  it("fails closed for senders that cannot carry a secret", () => {
    expect(
      rejection(() => verifySignature("dockerhub", loadFixture("dockerhub-docs-push"), "s")).reason,
    ).toMatch(/cannot be verified/);
  });

  it("is an AuthError that answers 404 with the same body as a bad token", () => {
    const error = rejection(() => verifySignature("ghcr", loadFixture("ghcr-package-create"), "wrong"));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.status).toBe(404);
    expect(error.message).toBe(new AuthError().message);
  });
});

describe("authenticateDelivery", () => {
  it("checks nothing when the service configures no secret", () => {
    expect(() => authenticateDelivery("generic", jsonRequest({ image: "a", tag: "b" }), {})).not.toThrow();
  });

  it("verifies the detected source's secret when one is configured", () => {
    const req = loadFixture("ghcr-package-create");
    expect(() => authenticateDelivery("ghcr", req, { ghcr: GHCR_SECRET })).not.toThrow();
    expect(() => authenticateDelivery("ghcr", req, { ghcr: "wrong" })).toThrow(WebhookSignatureError);
  });

  it("refuses a source without a secret once the service holds any, so a signature cannot be sidestepped", () => {
    const body = { image: "ghcr.io/acme/web", tag: "1" };
    const error = rejection(() => authenticateDelivery("generic", jsonRequest(body), { ghcr: GHCR_SECRET }));
    expect(error.reason).toBe('no secret configured for source "generic"');
  });

  it("accepts a generic CI body carrying the configured Authorization header", () => {
    const mac = createHmac("sha256", "k").update("x").digest("hex");
    const req = jsonRequest({ image: "acme/web", tag: "1" }, { authorization: `Bearer ${mac}` });
    expect(() => authenticateDelivery("generic", req, { generic: `Bearer ${mac}` })).not.toThrow();
  });
});
