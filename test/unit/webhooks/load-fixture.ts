import { existsSync, readFileSync } from "node:fs";
import type { WebhookRequest } from "../../../src/webhooks/parser.js";

const dir = new URL("../../fixtures/webhooks/", import.meta.url);

/**
 * A fixture as the ingress would hand it over: the exact file bytes as the raw body, and the
 * headers from `<name>.headers.json` when there is one (else plain JSON with no other headers).
 * `headers` overrides or removes (undefined) individual headers.
 */
export function loadFixture(name: string, headers: Record<string, string | undefined> = {}): WebhookRequest {
  const rawBody = readFileSync(new URL(`${name}.json`, dir));
  const sidecar = new URL(`${name}.headers.json`, dir);
  const stored = existsSync(sidecar)
    ? (JSON.parse(readFileSync(sidecar, "utf8")) as Record<string, string>)
    : { "content-type": "application/json" };
  const merged = { ...stored, ...headers };
  return {
    headers: merged,
    body: JSON.parse(rawBody.toString("utf8")) as unknown,
    rawBody,
    contentType: (merged["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "",
  };
}

/** A request built from a body object, for variants of a fixture the tests make themselves. */
export function jsonRequest(body: unknown, headers: Record<string, string | undefined> = {}): WebhookRequest {
  const merged = { "content-type": "application/json", ...headers };
  const rawBody = Buffer.from(JSON.stringify(body));
  return { headers: merged, body, rawBody, contentType: merged["content-type"] ?? "" };
}

/** The parsed body of a fixture, to modify in a test. */
export function fixtureBody(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Record<string, unknown>;
}

export const RECEIVED_AT = new Date("2026-01-03T08:29:00Z");
