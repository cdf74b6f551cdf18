import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { harborParser } from "../../../src/webhooks/parsers/harbor.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

describe("harborParser", () => {
  it("maps the default PUSH_ARTIFACT format with the host taken from resource_url", () => {
    expect(harborParser.parse(loadFixture("harbor-push-artifact"), RECEIVED_AT)).toEqual({
      events: [
        {
          source: "harbor",
          repository: "hub.harbor.com/test-webhook/debian",
          tag: "latest",
          digest: "sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8",
          receivedAt: RECEIVED_AT,
        },
      ],
      ignored: [],
    });
  });

  it("ignores the documented CloudEvents sample, whose tag is the digest", () => {
    expect(harborParser.parse(loadFixture("harbor-cloudevents"), RECEIVED_AT)).toEqual({
      events: [],
      ignored: ["digest-only push"],
    });
  });

  it("maps a structured CloudEvent with a tag, using the event id as delivery id", () => {
    const body = fixtureBody("harbor-cloudevents");
    const data = body["data"] as { resources: Array<Record<string, string>> };
    data.resources = [{ digest: "sha256:954b", tag: "3.19", resource_url: "localhost/harbor/alpine:3.19" }];
    const req = jsonRequest(body, { "content-type": "application/cloudevents+json" });
    expect(harborParser.parse(req, RECEIVED_AT).events).toEqual([
      {
        source: "harbor",
        repository: "localhost/harbor/alpine",
        tag: "3.19",
        digest: "sha256:954b",
        deliveryId: "66e18103-09c1-41f6-982f-37df223f3eeb",
        receivedAt: RECEIVED_AT,
      },
    ]);
  });

  it("maps a binary-mode CloudEvent from its ce-* headers", () => {
    const data = fixtureBody("harbor-push-artifact")["event_data"];
    const req = jsonRequest(data, {
      "ce-specversion": "1.0",
      "ce-type": "harbor.artifact.pushed",
      "ce-id": "ce-7",
    });
    expect(harborParser.matches(req)).toBe(true);
    const { events } = harborParser.parse(req, RECEIVED_AT);
    expect(events.map((e) => [e.repository, e.tag, e.deliveryId])).toEqual([
      ["hub.harbor.com/test-webhook/debian", "latest", "ce-7"],
    ]);
  });

  it("accepts Harbor 1.x pushImage and falls back to repo_full_name without resource_url", () => {
    const body = fixtureBody("harbor-push-artifact");
    body["type"] = "pushImage";
    const eventData = body["event_data"] as { resources: Array<Record<string, string>> };
    eventData.resources = [{ digest: "sha256:8a9e", tag: "12" }];
    const { events } = harborParser.parse(jsonRequest(body), RECEIVED_AT);
    expect(events.map((e) => [e.repository, e.tag])).toEqual([["test-webhook/debian", "12"]]);
  });

  it("gives one event per resource and ignores other event types", () => {
    const body = fixtureBody("harbor-push-artifact");
    const eventData = body["event_data"] as { resources: Array<Record<string, string>> };
    eventData.resources.push({
      digest: "sha256:aa",
      tag: "12",
      resource_url: "hub.harbor.com/test-webhook/debian:12",
    });
    expect(harborParser.parse(jsonRequest(body), RECEIVED_AT).events.map((e) => e.tag)).toEqual([
      "latest",
      "12",
    ]);
    const pulled = { ...fixtureBody("harbor-push-artifact"), type: "PULL_ARTIFACT" };
    expect(harborParser.parse(jsonRequest(pulled), RECEIVED_AT).ignored).toEqual(["PULL_ARTIFACT event"]);
  });

  it("rejects a push without resources", () => {
    const req = jsonRequest({ type: "PUSH_ARTIFACT", event_data: { repository: {} } });
    expect(() => harborParser.parse(req, RECEIVED_AT)).toThrow(ValidationError);
  });
});
