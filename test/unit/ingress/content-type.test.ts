import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { acceptedMediaType, parseJsonBody } from "../../../src/ingress/content-type.js";

describe("acceptedMediaType", () => {
  it.each([
    ["application/json", "application/json"],
    ["application/json; charset=utf-8", "application/json"],
    ["Application/JSON", "application/json"],
    [
      "application/vnd.docker.distribution.events.v1+json",
      "application/vnd.docker.distribution.events.v1+json",
    ],
    [
      "application/vnd.docker.distribution.events.v2+json",
      "application/vnd.docker.distribution.events.v2+json",
    ],
    ["application/cloudevents+json; charset=UTF-8", "application/cloudevents+json"],
  ])("accepts %j as %j", (header, mediaType) => {
    expect(acceptedMediaType(header)).toBe(mediaType);
  });

  it.each([
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/jsonx",
    "application/vnd.docker.distribution.events.v3+json",
  ])("refuses %j with 415", (header) => {
    const error = (() => {
      try {
        acceptedMediaType(header);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(415);
  });

  it("quotes at most 80 characters of what was sent", () => {
    expect(() => acceptedMediaType(`text/${"x".repeat(500)}`)).toThrow(
      /^unsupported content type "text\/x{75}";/,
    );
  });
});

describe("parseJsonBody", () => {
  it("parses UTF-8 JSON", () => {
    expect(parseJsonBody(Buffer.from('{"tag":"é"}'))).toEqual({ tag: "é" });
  });

  it.each(["", "{", "tag=1", "{'a':1}"])("refuses %j with 400", (text) => {
    expect(() => parseJsonBody(Buffer.from(text))).toThrow(ValidationError);
  });
});
