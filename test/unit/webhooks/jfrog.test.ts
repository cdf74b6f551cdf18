import { describe, expect, it } from "vitest";
import { jfrogParser } from "../../../src/webhooks/parsers/jfrog.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

describe("jfrogParser", () => {
  it("maps the docker pushed event to origin host / repo key / image name, with the manifest digest", () => {
    expect(jfrogParser.parse(loadFixture("jfrog-pushed"), RECEIVED_AT)).toEqual({
      events: [
        {
          source: "jfrog",
          repository: "example.jfrog.io/docker-remote-cache/library/ubuntu",
          tag: "latest",
          digest: "sha256:35c4a2c15539c6c1e4e5fa4e554dac323ad0107d8eb5c582d6ff386b383b7dce",
          receivedAt: RECEIVED_AT,
        },
      ],
      ignored: [],
    });
  });

  it("uses the bare image_name when jpd_origin is absent", () => {
    const body = fixtureBody("jfrog-pushed");
    delete body["jpd_origin"];
    expect(jfrogParser.parse(jsonRequest(body), RECEIVED_AT).events[0]?.repository).toBe("library/ubuntu");
  });

  it("ignores other domains and other docker events", () => {
    const artifact = { ...fixtureBody("jfrog-pushed"), domain: "artifact", event_type: "deployed" };
    expect(jfrogParser.parse(jsonRequest(artifact), RECEIVED_AT).ignored).toEqual(["artifact domain event"]);
    const deleted = { ...fixtureBody("jfrog-pushed"), event_type: "deleted" };
    expect(jfrogParser.parse(jsonRequest(deleted), RECEIVED_AT).ignored).toEqual(["deleted event"]);
  });
});
