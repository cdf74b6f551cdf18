import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { distributionParser } from "../../../src/webhooks/parsers/distribution.js";
import { RECEIVED_AT, jsonRequest, loadFixture } from "./load-fixture.js";

const parse = (name: string) => distributionParser.parse(loadFixture(name), RECEIVED_AT);

describe("distributionParser", () => {
  it("maps a tagged index push captured from registry 2.8 (v1 media type), host from request.host", () => {
    expect(parse("distribution-index-push")).toEqual({
      events: [
        {
          source: "distribution",
          repository: "127.0.0.1:45123/acme/web",
          tag: "1.0.0",
          digest: "sha256:4a1b28d52230847a6d43e65c06b9031b338f1235ce33dc25d79ff98051986923",
          deliveryId: "65c9fca2-c77b-4275-89bb-3218d5477678",
          receivedAt: RECEIVED_AT,
        },
      ],
      ignored: [],
    });
  });

  it("maps a push sent with the registry:3 media type", () => {
    const req = loadFixture("distribution-v3-push");
    expect(req.contentType).toBe("application/vnd.docker.distribution.events.v2+json");
    const { events } = distributionParser.parse(req, RECEIVED_AT);
    expect(events.map((e) => [e.repository, e.tag, e.deliveryId])).toEqual([
      ["127.0.0.1:45123/acme/web", "1.0.1", "fc627db4-00f5-4843-afb6-ec276657c733"],
    ]);
  });

  it("maps the GitLab registry push quoted by Keel", () => {
    const { events } = parse("distribution-gitlab-push");
    expect(events).toEqual([
      {
        source: "distribution",
        repository: "registry.git.erxes.io/shinebayar-g/a",
        tag: "0.01",
        digest: "sha256:4afff550708506c5b8b7384ad10d401a02b29ed587cb2730cb02753095b5178d",
        deliveryId: "d83e8796-7ba5-46ad-b239-d88473e21b2b",
        receivedAt: RECEIVED_AT,
      },
    ]);
  });

  it.each([
    ["distribution-docs-pull", "pull event"],
    ["distribution-blob-push", "blob push"],
    ["distribution-untagged-manifest", "untagged manifest"],
    ["distribution-mount", "mount event"],
  ])("ignores %s as %s", (name, reason) => {
    expect(parse(name)).toEqual({ events: [], ignored: [reason] });
  });

  it("reads every event of a batched envelope: one tagged index among blobs and child manifests", () => {
    const result = parse("distribution-batched");
    expect(result.events.map((e) => [e.repository, e.tag])).toEqual([["127.0.0.1:45123/acme/web", "1.0.0"]]);
    expect(result.ignored).toEqual([
      "blob push",
      "blob push",
      "untagged manifest",
      "blob push",
      "blob push",
      "untagged manifest",
    ]);
  });

  it("uses the bare repository when the event has no request.host", () => {
    const body = {
      events: [
        {
          action: "push",
          target: {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            repository: "acme/web",
            tag: "2",
          },
        },
      ],
    };
    expect(distributionParser.parse(jsonRequest(body), RECEIVED_AT).events[0]?.repository).toBe("acme/web");
  });

  it("answers an empty envelope as ignored and a missing events array as malformed", () => {
    expect(distributionParser.parse(jsonRequest({ events: [] }), RECEIVED_AT).ignored).toEqual([
      "empty envelope",
    ]);
    const noEvents = jsonRequest(
      {},
      { "content-type": "application/vnd.docker.distribution.events.v1+json" },
    );
    expect(() => distributionParser.parse(noEvents, RECEIVED_AT)).toThrow(ValidationError);
  });
});
