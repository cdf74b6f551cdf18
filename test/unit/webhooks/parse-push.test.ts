import { describe, expect, it } from "vitest";
import { AuthError, ValidationError } from "../../../src/core/errors.js";
import { parsePush } from "../../../src/webhooks/parse-push.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

const now = RECEIVED_AT;

describe("parsePush", () => {
  it("detects, verifies and parses a signed GHCR delivery", () => {
    const result = parsePush(loadFixture("ghcr-package-create"), {
      secrets: { ghcr: "It's a Secret to Everybody" },
      now,
    });
    expect(result).toEqual({
      source: "ghcr",
      events: [
        {
          source: "ghcr",
          repository: "ghcr.io/utaitebox/utaitebox-server",
          tag: "3.2.1",
          digest: "sha256:7d3848ba2f2e7f69bebb4b576e5fad0379b64a0b1512aee6ad0ec9e7c6319fed",
          deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          receivedAt: now,
        },
      ],
      ignored: [],
    });
  });

  it("refuses a bad signature with a 404 AuthError before parsing", () => {
    const attempt = () => parsePush(loadFixture("ghcr-package-create"), { secrets: { ghcr: "wrong" }, now });
    expect(attempt).toThrow(AuthError);
  });

  it("refuses an unsigned source once the service holds a secret for another", () => {
    const req = jsonRequest({ image: "ghcr.io/utaitebox/utaitebox-server", tag: "9.9.9" });
    expect(() => parsePush(req, { secrets: { ghcr: "It's a Secret to Everybody" }, now })).toThrow(AuthError);
  });

  it("answers a well-formed delivery with nothing to do with no events and the reasons", () => {
    const result = parsePush(loadFixture("distribution-batched"), { secrets: {}, now });
    expect(result.source).toBe("distribution");
    expect(result.events.map((e) => e.tag)).toEqual(["1.0.0"]);
    expect(result.ignored).toHaveLength(6);
    expect(parsePush(loadFixture("distribution-docs-pull"), { secrets: {}, now })).toEqual({
      source: "distribution",
      events: [],
      ignored: ["pull event"],
    });
  });

  it("keeps the first of repeated (repository, tag) pairs in one delivery", () => {
    const batch = fixtureBody("distribution-index-push") as { events: Array<Record<string, unknown>> };
    const first = batch.events[0] ?? {};
    batch.events.push({ ...first, id: "retry-of-the-same-push" });
    const result = parsePush(jsonRequest(batch), { secrets: {}, now });
    expect(result.events.map((e) => e.deliveryId)).toEqual(["65c9fca2-c77b-4275-89bb-3218d5477678"]);
    expect(result.ignored).toEqual(["repeated repository and tag"]);
  });

  it("rejects a delivery with any tag outside the Docker grammar", () => {
    const attempt = () =>
      parsePush(jsonRequest({ image: "acme/web", tag: "1.0\nX=1" }), { secrets: {}, now });
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow('invalid tag "1.0\\nX=1"');
    const quay = { ...fixtureBody("quay-repository-push"), updated_tags: ["ok", "not ok"] };
    expect(() => parsePush(jsonRequest(quay), { secrets: {}, now })).toThrow(ValidationError);
  });

  it("honours a pinned source and rejects other payloads with 400", () => {
    expect(parsePush(loadFixture("quay-repository-push"), { pinned: "quay", secrets: {}, now }).source).toBe(
      "quay",
    );
    const attempt = () =>
      parsePush(loadFixture("quay-repository-push"), { pinned: "harbor", secrets: {}, now });
    expect(attempt).toThrow(/accepts only Harbor webhooks/);
  });

  it("rejects an unrecognised body with 400", () => {
    expect(() => parsePush(jsonRequest({ what: "ever" }), { secrets: {}, now })).toThrow(
      /^unrecognised webhook payload; expected one of /,
    );
  });
});
