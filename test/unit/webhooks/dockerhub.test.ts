import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { dockerHubParser } from "../../../src/webhooks/parsers/dockerhub.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

describe("dockerHubParser", () => {
  it("maps the documented payload to repo_name and push_data.tag", () => {
    const result = dockerHubParser.parse(loadFixture("dockerhub-docs-push"), RECEIVED_AT);
    expect(result).toEqual({
      events: [
        { source: "dockerhub", repository: "svendowideit/testhook", tag: "latest", receivedAt: RECEIVED_AT },
      ],
      ignored: [],
    });
  });

  it("reads a pushed_at float in exponent form like any other payload", () => {
    const req = loadFixture("dockerhub-float-pushed-at");
    expect(req.rawBody.toString()).toContain('"pushed_at": 1.417566822e+09');
    const result = dockerHubParser.parse(req, RECEIVED_AT);
    expect(result.events.map((e) => [e.repository, e.tag])).toEqual([["svendowideit/testhook", "latest"]]);
  });

  it("gives the same event for each delivery of a multi-arch push, with no delivery id", () => {
    const first = dockerHubParser.parse(loadFixture("dockerhub-multiarch"), RECEIVED_AT);
    const second = dockerHubParser.parse(loadFixture("dockerhub-multiarch"), RECEIVED_AT);
    expect(first.events).toEqual([
      { source: "dockerhub", repository: "fireflyiii/core", tag: "develop", receivedAt: RECEIVED_AT },
    ]);
    expect(second).toEqual(first);
  });

  it("ignores a pre-2017 payload that has images but no tag", () => {
    const body = fixtureBody("dockerhub-docs-push");
    body["push_data"] = { pushed_at: 1.417566822e9, images: ["27d47432a69b"], pusher: "trustedbuilder" };
    expect(dockerHubParser.parse(jsonRequest(body), RECEIVED_AT)).toEqual({
      events: [],
      ignored: ["push without a tag"],
    });
  });

  it("ignores a Helm chart push marked by the optional media_type", () => {
    const body = fixtureBody("dockerhub-multiarch");
    body["push_data"] = { tag: "1.0.0", media_type: "application/vnd.cncf.helm.config.v1+json" };
    expect(dockerHubParser.parse(jsonRequest(body), RECEIVED_AT).ignored).toEqual(["Helm chart push"]);
  });

  it("rejects a payload without repository.repo_name", () => {
    const body = fixtureBody("dockerhub-multiarch");
    body["repository"] = { name: "core" };
    expect(() => dockerHubParser.parse(jsonRequest(body), RECEIVED_AT)).toThrow(ValidationError);
  });
});
