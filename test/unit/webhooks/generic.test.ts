import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { genericParser } from "../../../src/webhooks/parsers/generic.js";
import { RECEIVED_AT, jsonRequest } from "./load-fixture.js";

const parse = (body: unknown) => genericParser.parse(jsonRequest(body), RECEIVED_AT).events;

describe("genericParser", () => {
  it("maps {image, tag, digest}", () => {
    expect(parse({ image: "registry.example.com/acme/web", tag: "1.4.2", digest: "sha256:ab" })).toEqual([
      {
        source: "generic",
        repository: "registry.example.com/acme/web",
        tag: "1.4.2",
        digest: "sha256:ab",
        receivedAt: RECEIVED_AT,
      },
    ]);
  });

  it.each([
    ["acme/web:1.4.2", "acme/web", "1.4.2"],
    ["registry:5000/acme/web:1.4.2", "registry:5000/acme/web", "1.4.2"],
    ["registry:5000/acme/web:v2@sha256:cd", "registry:5000/acme/web", "v2"],
  ])("splits the tag off %s when there is no tag field", (image, repository, tag) => {
    expect(parse({ image }).map((e) => [e.repository, e.tag])).toEqual([[repository, tag]]);
  });

  it("takes the digest from the image reference when no digest field is sent", () => {
    expect(parse({ image: "acme/web@sha256:cd", tag: "3" })[0]?.digest).toBe("sha256:cd");
  });

  it.each([
    [{ image: "registry:5000/acme/web" }, "no tag"],
    [{ image: "acme/web:1", tag: "2" }, "two different tags"],
    [{ image: ":1" }, "no repository"],
  ])("rejects %j (%s)", (body, message) => {
    expect(() => parse(body)).toThrow(ValidationError);
    expect(() => parse(body)).toThrow(message);
  });
});
