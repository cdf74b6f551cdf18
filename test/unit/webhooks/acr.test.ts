import { describe, expect, it } from "vitest";
import { acrParser } from "../../../src/webhooks/parsers/acr.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

describe("acrParser", () => {
  it("maps the documented push with the registry host from request.host", () => {
    expect(acrParser.parse(loadFixture("acr-push"), RECEIVED_AT)).toEqual({
      events: [
        {
          source: "acr",
          repository: "myregistry.azurecr.io/hello-world",
          tag: "v1",
          digest: "sha256:xxxxd5c8786bb9e621a45ece0dbxxxx1cdc624ad20da9fe62e9d25490f33xxxx",
          deliveryId: "cb8c3971-9adc-488b-xxxx-43cbb4974ff5",
          receivedAt: RECEIVED_AT,
        },
      ],
      ignored: [],
    });
  });

  it("ignores a digest-only push, a delete, a chart push and the portal ping", () => {
    const body = fixtureBody("acr-push");
    const target = body["target"] as Record<string, unknown>;
    const untagged = { ...body, target: { ...target, tag: "" } };
    const cases: Array<[unknown, string]> = [
      [untagged, "untagged manifest"],
      [{ ...body, action: "delete" }, "delete event"],
      [{ ...body, action: "chart_push" }, "chart_push event"],
      [{ id: "p", timestamp: "2023-11-17T16:52:01Z", action: "ping" }, "ping event"],
    ];
    for (const [payload, reason] of cases) {
      expect(acrParser.matches(jsonRequest(payload))).toBe(true);
      expect(acrParser.parse(jsonRequest(payload), RECEIVED_AT)).toEqual({ events: [], ignored: [reason] });
    }
  });
});
