import type { PushEvent, PushSource } from "../core/push-event.js";
import { detectSource } from "./detect.js";
import type { ParseResult, WebhookRequest } from "./parser.js";
import { authenticateDelivery } from "./signatures.js";
import { assertValidTag } from "./tag-grammar.js";

export interface ParsePushOptions {
  /** The service's pinned source (`ServiceConfig.source`); only that parser is tried. */
  pinned?: PushSource | undefined;
  /** The service's per-source secrets (`ServiceConfig.secrets`). */
  secrets: Partial<Record<PushSource, string>>;
  /** Becomes every event's `receivedAt`. */
  now: Date;
}

/** A parsed delivery, with the source it was read as (for logs and metrics). */
export interface ParsedDelivery extends ParseResult {
  source: PushSource;
}

/**
 * The one entry point of the webhook core: detect the sender, check its signature or auth header
 * when the service holds a secret, map the payload to PushEvents, check every tag against the
 * Docker grammar and drop repeats of the same repository and tag within the delivery.
 *
 * Throws ValidationError (400) for an unrecognised or malformed payload or a bad tag, and
 * WebhookSignatureError (an AuthError, 404) when verification fails. Deciding whether the
 * repository belongs to the service, and what the tag policy says, is the caller's.
 */
export function parsePush(req: WebhookRequest, options: ParsePushOptions): ParsedDelivery {
  const parser = detectSource(req, options.pinned);
  authenticateDelivery(parser.source, req, options.secrets);
  const parsed = parser.parse(req, options.now);
  for (const event of parsed.events) assertValidTag(event.tag);
  return { source: parser.source, ...dropRepeats(parsed) };
}

/**
 * Keeps the first event for each (repository, tag): a Distribution batch can hold the same
 * push twice, and a GHCR version can list a tag twice. Repeats across deliveries (Docker Hub's
 * one delivery per manifest) are the ingress's "already desired" check.
 */
function dropRepeats(parsed: ParseResult): ParseResult {
  const seen = new Set<string>();
  const events: PushEvent[] = [];
  const ignored = [...parsed.ignored];
  for (const event of parsed.events) {
    const key = `${event.repository}\u0000${event.tag}`;
    if (seen.has(key)) ignored.push("repeated repository and tag");
    else events.push(event);
    seen.add(key);
  }
  return { events, ignored };
}
