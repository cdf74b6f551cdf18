import { describe, expect, it } from "vitest";
import { normalizeRepository, repositoryMatches } from "../../../src/webhooks/tag-grammar.js";

describe("normalizeRepository", () => {
  it.each([
    ["nginx", "docker.io/library/nginx"],
    ["library/nginx", "docker.io/library/nginx"],
    ["docker.io/library/nginx", "docker.io/library/nginx"],
    ["index.docker.io/library/nginx", "docker.io/library/nginx"],
    ["registry-1.docker.io/library/nginx", "docker.io/library/nginx"],
    ["docker.io/nginx", "docker.io/library/nginx"],
    ["nginx:1.27", "docker.io/library/nginx"],
    ["nginx@sha256:abc", "docker.io/library/nginx"],
    ["svendowideit/testhook", "docker.io/svendowideit/testhook"],
    ["GHCR.io/Codertocat/Hello-World", "ghcr.io/codertocat/hello-world"],
    ["registry:5000/acme/web", "registry:5000/acme/web"],
    ["registry:5000/acme/web:1.0", "registry:5000/acme/web"],
    ["localhost/acme/web", "localhost/acme/web"],
    ["127.0.0.1:45123/acme/web:1.0.0@sha256:4a1b", "127.0.0.1:45123/acme/web"],
    ["  acme/web  ", "docker.io/acme/web"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeRepository(input)).toBe(expected);
  });
});

describe("repositoryMatches", () => {
  it.each([
    ["nginx", "docker.io/library/nginx", true],
    ["library/nginx", "index.docker.io/library/nginx", true],
    ["registry-1.docker.io/library/nginx", "nginx:latest", true],
    ["svendowideit/testhook", "docker.io/svendowideit/testhook", true],
    ["ghcr.io/utaitebox/utaitebox-server", "ghcr.io/UtaiteBox/utaitebox-server", true],
    ["127.0.0.1:45123/acme/web", "127.0.0.1:45123/acme/web:1.0", true],
    ["acme/web", "acme/db", false],
    ["acme/web", "ghcr.io/acme/web", false],
    ["registry:5000/acme/web", "registry:5001/acme/web", false],
    ["registry:5000/acme/web", "acme/web", false],
    ["acme/web", "acme/web-canary", false],
    ["acme/web/extra", "acme/web", false],
    ["quay.io/dgangaia/test", "quay.io/dgangaia", false],
    ["", "", false],
    ["acme/web", " ", false],
  ])("%j vs %j → %s", (eventRepository, serviceImage, expected) => {
    expect(repositoryMatches(eventRepository, serviceImage)).toBe(expected);
  });
});
