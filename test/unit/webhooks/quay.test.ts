import { describe, expect, it } from "vitest";
import { quayParser } from "../../../src/webhooks/parsers/quay.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

describe("quayParser", () => {
  it("maps the documented repository push to docker_url and each updated tag", () => {
    expect(quayParser.parse(loadFixture("quay-repository-push"), RECEIVED_AT)).toEqual({
      events: [
        { source: "quay", repository: "quay.io/dgangaia/test", tag: "latest", receivedAt: RECEIVED_AT },
      ],
      ignored: [],
    });
  });

  it("reads the 2013 format where updated_tags is a map of tag to image id", () => {
    const body = { ...fixtureBody("quay-repository-push"), updated_tags: { latest: "b1e2", "1.0": "b1e2" } };
    expect(quayParser.parse(jsonRequest(body), RECEIVED_AT).events.map((e) => e.tag)).toEqual([
      "latest",
      "1.0",
    ]);
  });

  it("falls back to repository without docker_url and ignores an empty tag list", () => {
    const body = fixtureBody("quay-repository-push");
    delete body["docker_url"];
    expect(quayParser.parse(jsonRequest(body), RECEIVED_AT).events[0]?.repository).toBe("dgangaia/test");
    const empty = { ...body, updated_tags: [] };
    expect(quayParser.parse(jsonRequest(empty), RECEIVED_AT)).toEqual({
      events: [],
      ignored: ["no updated tags"],
    });
  });
});
