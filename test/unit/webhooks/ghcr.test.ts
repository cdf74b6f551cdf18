import { describe, expect, it } from "vitest";
import { ghcrParser } from "../../../src/webhooks/parsers/ghcr.js";
import { RECEIVED_AT, fixtureBody, jsonRequest, loadFixture } from "./load-fixture.js";

const packageHeaders = { "x-github-event": "package", "x-github-delivery": "d-1" };

/** Keel's real GHCR fixture with `package_version` edited by `edit`. */
function withVersion(edit: (version: Record<string, unknown>) => void) {
  const body = fixtureBody("ghcr-package-create");
  const pkg = body["package"] as Record<string, unknown>;
  edit(pkg["package_version"] as Record<string, unknown>);
  return jsonRequest(body, packageHeaders);
}

describe("ghcrParser", () => {
  it("maps Keel's real package event: namespace/name under ghcr.io, tag, digest, delivery id", () => {
    expect(ghcrParser.parse(loadFixture("ghcr-package-create"), RECEIVED_AT)).toEqual({
      events: [
        {
          source: "ghcr",
          repository: "ghcr.io/utaitebox/utaitebox-server",
          tag: "3.2.1",
          digest: "sha256:7d3848ba2f2e7f69bebb4b576e5fad0379b64a0b1512aee6ad0ec9e7c6319fed",
          deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          receivedAt: RECEIVED_AT,
        },
      ],
      ignored: [],
    });
  });

  it("ignores the untagged per-platform manifests of a multi-arch push", () => {
    expect(ghcrParser.parse(loadFixture("ghcr-package-untagged"), RECEIVED_AT)).toEqual({
      events: [],
      ignored: ["untagged package version"],
    });
  });

  it("gives one event per tag when the version lists several", () => {
    const req = withVersion((version) => {
      version["metadata"] = { package_type: "container", container: { tags: ["3.2.1", "latest", "3.2"] } };
    });
    const { events } = ghcrParser.parse(req, RECEIVED_AT);
    expect(events.map((e) => [e.repository, e.tag, e.deliveryId])).toEqual([
      ["ghcr.io/utaitebox/utaitebox-server", "3.2.1", "d-1"],
      ["ghcr.io/utaitebox/utaitebox-server", "latest", "d-1"],
      ["ghcr.io/utaitebox/utaitebox-server", "3.2", "d-1"],
    ]);
  });

  it("lower-cases the owner's display casing and prefers owner.login", () => {
    const body = fixtureBody("ghcr-package-create");
    const pkg = body["package"] as Record<string, unknown>;
    pkg["owner"] = { login: "Codertocat" };
    pkg["name"] = "Hello-World";
    const { events } = ghcrParser.parse(jsonRequest(body, packageHeaders), RECEIVED_AT);
    expect(events[0]?.repository).toBe("ghcr.io/codertocat/hello-world");
  });

  it("reads the older registry_package event the same way", () => {
    const body = fixtureBody("ghcr-package-create");
    const req = jsonRequest(
      {
        action: "published",
        registry_package: { ...(body["package"] as object), package_type: "CONTAINER" },
      },
      { "x-github-event": "registry_package" },
    );
    expect(ghcrParser.parse(req, RECEIVED_AT).events.map((e) => e.tag)).toEqual(["3.2.1"]);
  });

  it.each([
    [{ "x-github-event": "ping" }, fixtureBody("ghcr-package-create"), "GitHub ping event"],
    [packageHeaders, { ...fixtureBody("ghcr-package-create"), action: "deleted" }, "package deleted event"],
    [
      packageHeaders,
      { action: "published", package: { name: "x", namespace: "y", package_type: "npm" } },
      "not a container package",
    ],
  ])("ignores %j with %#", (headers, body, reason) => {
    expect(ghcrParser.parse(jsonRequest(body, headers), RECEIVED_AT)).toEqual({
      events: [],
      ignored: [reason],
    });
  });
});
