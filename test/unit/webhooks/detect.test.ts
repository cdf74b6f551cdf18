import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import type { PushSource } from "../../../src/core/push-event.js";
import { detectSource } from "../../../src/webhooks/detect.js";
import { jsonRequest, loadFixture } from "./load-fixture.js";

const FIXTURES: Array<[string, PushSource]> = [
  ["dockerhub-docs-push", "dockerhub"],
  ["dockerhub-multiarch", "dockerhub"],
  ["dockerhub-float-pushed-at", "dockerhub"],
  ["distribution-docs-pull", "distribution"],
  ["distribution-gitlab-push", "distribution"],
  ["distribution-blob-push", "distribution"],
  ["distribution-untagged-manifest", "distribution"],
  ["distribution-index-push", "distribution"],
  ["distribution-mount", "distribution"],
  ["distribution-batched", "distribution"],
  ["distribution-v3-push", "distribution"],
  ["ghcr-package-create", "ghcr"],
  ["ghcr-package-untagged", "ghcr"],
  ["harbor-push-artifact", "harbor"],
  ["harbor-cloudevents", "harbor"],
  ["quay-repository-push", "quay"],
  ["acr-push", "acr"],
  ["jfrog-pushed", "jfrog"],
];

describe("detectSource", () => {
  it.each(FIXTURES)("detects %s as %s without pinning", (name, source) => {
    expect(detectSource(loadFixture(name)).source).toBe(source);
  });

  it("detects shapes whose identifying header is missing", () => {
    // A Distribution envelope sent as plain JSON, a JFrog body without its auth header,
    // a Harbor CloudEvent without its content type.
    expect(
      detectSource(loadFixture("distribution-gitlab-push", { "content-type": "application/json" })).source,
    ).toBe("distribution");
    expect(detectSource(loadFixture("jfrog-pushed", { "x-jfrog-event-auth": undefined })).source).toBe(
      "jfrog",
    );
    expect(
      detectSource(loadFixture("harbor-cloudevents", { "content-type": "application/json" })).source,
    ).toBe("harbor");
    expect(detectSource(jsonRequest({ image: "acme/web", tag: "1" })).source).toBe("generic");
  });

  it("uses the pinned parser when the payload is of that kind", () => {
    expect(detectSource(loadFixture("acr-push"), "acr").source).toBe("acr");
    expect(detectSource(jsonRequest({ image: "acme/web", tag: "1" }), "generic").source).toBe("generic");
  });

  it("rejects a payload of another kind when the source is pinned, saying what was expected", () => {
    const attempt = () => detectSource(loadFixture("dockerhub-docs-push"), "ghcr");
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(
      'this service accepts only GHCR webhooks (source "ghcr"); it looks like a Docker Hub payload',
    );
  });

  it("rejects an unknown shape with 400 listing what it accepts", () => {
    for (const body of [{ hello: "world" }, [1, 2], "text", null]) {
      let error: unknown;
      try {
        detectSource(jsonRequest(body));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(400);
      expect((error as ValidationError).message).toMatch(
        /^unrecognised webhook payload; expected one of GHCR, .*, Docker Hub, .* or generic/,
      );
    }
  });
});
