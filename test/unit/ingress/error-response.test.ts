import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  AuthError,
  ConflictError,
  ForbiddenError,
  UpstreamUnavailableError,
  ValidationError,
} from "../../../src/core/errors.js";
import { createLogger } from "../../../src/core/logger.js";
import { toErrorResponse } from "../../../src/server/error-response.js";
import { WebhookSignatureError } from "../../../src/webhooks/signatures.js";

/** A pino logger writing into an array, as the conventions ask tests to capture logs. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: createLogger({ level: "debug", destination }), lines };
}

describe("toErrorResponse", () => {
  it("answers every credential failure with one body, whatever the reason", () => {
    const { log } = capture();
    const bodies = [
      new AuthError(),
      new AuthError("token revoked"),
      new WebhookSignatureError("bad HMAC"),
    ].map((err) => toErrorResponse(err, log));
    for (const reply of bodies)
      expect(reply).toEqual({ status: 404, body: { error: "not_found", message: "not found" } });
  });

  it("answers a path parameter express could not percent-decode like a bad token", () => {
    const { log } = capture();
    // What express's router raises for `/hooks/%E0%A4%A` before any handler runs.
    const undecodable = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400 });
    expect(toErrorResponse(undecodable, log)).toEqual({
      status: 404,
      body: { error: "not_found", message: "not found" },
    });
  });

  it("does not put the reason of a credential failure in the reply or the log", () => {
    const { log, lines } = capture();
    toErrorResponse(new WebhookSignatureError("bad X-Hub-Signature-256"), log);
    expect(JSON.stringify(lines)).not.toContain("X-Hub-Signature");
  });

  it.each([
    [new ValidationError("malformed JSON body"), 400, "invalid", "ValidationError"],
    [new ValidationError("unsupported content type", 415), 415, "invalid", "ValidationError"],
    [new ForbiddenError("repository is not acme/web"), 403, "forbidden", "ForbiddenError"],
    [new ConflictError("gave up"), 409, "conflict", "ConflictError"],
    [
      new UpstreamUnavailableError("consul", "Consul at http://x: unreachable"),
      503,
      "upstream_unavailable",
      "UpstreamUnavailableError",
    ],
  ])("maps %s to %i and logs its kind by name", (err, status, code, type) => {
    const { log, lines } = capture();
    const reply = toErrorResponse(err, log);
    // A sender never learns an upstream's address; the log line keeps the whole message.
    const message =
      err instanceof UpstreamUnavailableError ? "consul is unavailable; retry later" : err.message;
    expect(reply).toEqual({ status, body: { error: code, message } });
    expect(lines).toHaveLength(1);
    // The kind of failure must survive into the log line (pino's err serializer would turn a
    // plain object with a message into type "Object").
    expect(JSON.stringify(lines[0])).toContain(`"type":"${type}"`);
    expect(JSON.stringify(lines[0])).toContain(err.message);
    expect(lines[0]?.["level"]).toBe(status >= 500 ? 40 : 30);
  });

  it("passes body-parser statuses through and hides anything unexpected behind a 500", () => {
    const { log, lines } = capture();
    const tooLarge = Object.assign(new Error("request entity too large"), {
      status: 413,
      type: "entity.too.large",
    });
    expect(toErrorResponse(tooLarge, log)).toEqual({
      status: 413,
      body: { error: "too_large", message: "request body too large" },
    });
    const boom = toErrorResponse(new Error("secret internals"), log);
    expect(boom).toEqual({ status: 500, body: { error: "internal", message: "internal error" } });
    expect(lines.at(-1)?.["level"]).toBe(50);
  });
});
