import type { PushEvent, PushSource } from "../core/push-event.js";

/**
 * A webhook delivery as the transport hands it over, with nothing HTTP-specific left in it
 * (conventions: the octokit/webhooks.js core never sees the framework).
 */
export interface WebhookRequest {
  /** Header names in lower case, as Node gives them. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body already parsed as JSON. */
  body: unknown;
  /** The exact bytes received; signatures are computed over these, never over re-serialised JSON. */
  rawBody: Buffer;
  /** Media type without parameters, lower case, e.g. `application/json`. */
  contentType: string;
}

/**
 * What one delivery asks for. `ignored` holds a short human reason for every part of the delivery
 * that was well formed but has nothing to deploy (pulls, blob pushes, untagged manifests): the
 * ingress answers those with 200 so registries do not retry them (README, "Troubleshooting").
 */
export interface ParseResult {
  events: PushEvent[];
  ignored: string[];
}

/** One registry's payload format; one implementation per file in `parsers/`. */
export interface PushParser {
  readonly source: PushSource;
  /** A human name for messages, e.g. "Docker Hub". */
  readonly label: string;
  /** Cheap shape check on headers and body; must not throw. */
  matches(req: WebhookRequest): boolean;
  /** Maps the payload; throws ValidationError when required fields are missing. */
  parse(req: WebhookRequest, receivedAt: Date): ParseResult;
}
