import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { PushSource } from "../../../src/core/push-event.js";

/**
 * Real fixture payloads (test/fixtures/webhooks/) adjusted for an end-to-end push: the repository
 * made to name the test service's image, the tag and delivery id made fresh, and signatures
 * recomputed over the new bytes with the secret the test service is configured with.
 */

const dir = new URL("../../fixtures/webhooks/", import.meta.url);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function fixture(name: string): { body: Json; headers: Record<string, string> } {
  const body = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Json;
  let headers: Record<string, string> = { "content-type": "application/json" };
  try {
    headers = JSON.parse(readFileSync(new URL(`${name}.headers.json`, dir), "utf8")) as Record<
      string,
      string
    >;
  } catch {
    // No sidecar: plain JSON with no other headers (fixtures README).
  }
  // Transport headers of the captured request do not belong to a new one.
  for (const name of ["host", "content-length", "accept-encoding", "user-agent"]) delete headers[name];
  return { body, headers };
}

export interface SourceCase {
  /** Test name, e.g. "distribution v2". */
  name: string;
  source: PushSource;
  /** The service's configured image (what the payload's repository must match). */
  image: string;
  /** The per-source secret the service is configured with, if any. */
  secret?: string;
  /** The request for a push of `tag`. */
  build(tag: string): { headers: Record<string, string>; body: Buffer };
}

const json = (body: Json) => Buffer.from(JSON.stringify(body));
const hmac = (secret: string, body: Buffer) => createHmac("sha256", secret).update(body).digest("hex");

export const SOURCE_CASES: readonly SourceCase[] = [
  {
    name: "dockerhub",
    source: "dockerhub",
    image: "docker.io/acme/e2e-hub",
    build(tag) {
      const { body, headers } = fixture("dockerhub-docs-push");
      body.repository.repo_name = "acme/e2e-hub";
      body.push_data.tag = tag;
      return { headers, body: json(body) };
    },
  },
  ...(["v1", "v2"] as const).map((version): SourceCase => ({
    name: `distribution ${version}`,
    source: "distribution",
    image: "registry.example.com:5000/acme/e2e-dist",
    secret: "Bearer s3cret-registry-token",
    build(tag) {
      const { body, headers } = fixture(
        version === "v1" ? "distribution-gitlab-push" : "distribution-v3-push",
      );
      const event = body.events[0];
      event.id = randomUUID();
      event.target.repository = "acme/e2e-dist";
      event.target.tag = tag;
      event.request.host = "registry.example.com:5000";
      headers["content-type"] = `application/vnd.docker.distribution.events.${version}+json`;
      headers["authorization"] = "Bearer s3cret-registry-token";
      return { headers, body: json(body) };
    },
  })),
  {
    name: "ghcr (X-Hub-Signature-256)",
    source: "ghcr",
    image: "ghcr.io/acme/e2e-ghcr",
    secret: "It's a Secret to Everybody",
    build(tag) {
      const { body, headers } = fixture("ghcr-package-create");
      body.package.namespace = "Acme"; // GitHub keeps display casing; the parser lowercases it
      body.package.name = "e2e-ghcr";
      body.package.package_version.container_metadata.tag.name = tag;
      const raw = json(body);
      headers["x-github-delivery"] = randomUUID();
      headers["x-hub-signature-256"] = `sha256=${hmac("It's a Secret to Everybody", raw)}`;
      return { headers, body: raw };
    },
  },
  {
    name: "harbor default",
    source: "harbor",
    image: "harbor.example.com/acme/e2e-harbor",
    secret: "Basic aGFyYm9yOmhvb2s=",
    build(tag) {
      const { body, headers } = fixture("harbor-push-artifact");
      const resource = body.event_data.resources[0];
      resource.tag = tag;
      resource.resource_url = `harbor.example.com/acme/e2e-harbor:${tag}`;
      body.event_data.repository.repo_full_name = "acme/e2e-harbor";
      return { headers, body: json(body) };
    },
  },
  {
    name: "harbor cloudevents",
    source: "harbor",
    image: "harbor.example.com/acme/e2e-harbor",
    secret: "Basic aGFyYm9yOmhvb2s=",
    build(tag) {
      const { body, headers } = fixture("harbor-cloudevents");
      body.id = randomUUID();
      const resource = body.data.resources[0];
      resource.tag = tag;
      resource.resource_url = `harbor.example.com/acme/e2e-harbor:${tag}`;
      body.data.repository.repo_full_name = "acme/e2e-harbor";
      headers["authorization"] = "Basic aGFyYm9yOmhvb2s=";
      return { headers, body: json(body) };
    },
  },
  {
    name: "quay",
    source: "quay",
    image: "quay.io/acme/e2e-quay",
    build(tag) {
      const { body, headers } = fixture("quay-repository-push");
      body.repository = "acme/e2e-quay";
      body.docker_url = "quay.io/acme/e2e-quay";
      body.updated_tags = [tag];
      return { headers, body: json(body) };
    },
  },
  {
    name: "acr",
    source: "acr",
    image: "myregistry.azurecr.io/e2e-acr",
    build(tag) {
      const { body } = fixture("acr-push");
      body.id = randomUUID();
      body.target.repository = "e2e-acr";
      body.target.tag = tag;
      // The fixture's sidecar carries a custom Authorization header; without a configured secret
      // it is just another header.
      return { headers: { "content-type": "application/json" }, body: json(body) };
    },
  },
  {
    name: "jfrog (X-JFrog-Event-Auth HMAC)",
    source: "jfrog",
    image: "example.jfrog.io/docker-local/acme/e2e-jfrog",
    secret: "jfrog-webhook-secret",
    build(tag) {
      const { body, headers } = fixture("jfrog-pushed");
      body.data.repo_key = "docker-local";
      body.data.image_name = "acme/e2e-jfrog";
      body.data.tag = tag;
      body.data.path = `acme/e2e-jfrog/${tag}/manifest.json`;
      const raw = json(body);
      headers["x-jfrog-event-auth"] = hmac("jfrog-webhook-secret", raw);
      return { headers, body: raw };
    },
  },
  {
    name: "generic",
    source: "generic",
    image: "registry.example.com/acme/e2e-generic",
    build(tag) {
      const body = { image: "registry.example.com/acme/e2e-generic", tag };
      return { headers: { "content-type": "application/json" }, body: json(body) };
    },
  },
];

/**
 * A Distribution v2 notification (registry:3) of `host/repository:tag` with event id `id`, as
 * posted with a plain content type and no secret.
 */
export function distributionPush(host: string, repository: string, tag: string, id = randomUUID()) {
  const { body, headers } = fixture("distribution-v3-push");
  Object.assign(body.events[0], { id });
  Object.assign(body.events[0].target, { repository, tag });
  Object.assign(body.events[0].request, { host });
  return { headers: { "content-type": headers["content-type"] ?? "" }, body: JSON.stringify(body) };
}

/** POSTs a prepared webhook; resolves status and parsed body. */
export async function postHook(
  url: string,
  request: { headers: Record<string, string>; body: Buffer | string },
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: request.headers,
    body: typeof request.body === "string" ? request.body : new Uint8Array(request.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty; `text` has what came back.
  }
  return { status: res.status, body, text };
}
