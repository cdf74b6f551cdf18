import { ValidationError } from "../core/errors.js";
import type { PushSource } from "../core/push-event.js";
import type { PushParser, WebhookRequest } from "./parser.js";
import { acrParser } from "./parsers/acr.js";
import { distributionParser } from "./parsers/distribution.js";
import { dockerHubParser } from "./parsers/dockerhub.js";
import { genericParser } from "./parsers/generic.js";
import { ghcrParser } from "./parsers/ghcr.js";
import { harborParser } from "./parsers/harbor.js";
import { jfrogParser } from "./parsers/jfrog.js";
import { quayParser } from "./parsers/quay.js";

/**
 * Every parser, most specific first: headers that only one sender sets (X-GitHub-Event,
 * X-JFrog-Event-Auth), then the Distribution media types and envelope, then body shapes. ACR's
 * bare event and the generic `{image, tag}` come last because their shapes are the loosest.
 */
export const PARSERS: readonly PushParser[] = [
  ghcrParser,
  jfrogParser,
  distributionParser,
  harborParser,
  dockerHubParser,
  quayParser,
  acrParser,
  genericParser,
];

function describeAll(): string {
  const labels = PARSERS.map((parser) => parser.label);
  return `${labels.slice(0, -1).join(", ")} or ${labels.at(-1) ?? ""}`;
}

/**
 * Picks the parser for a delivery from its headers and body shape. When the service pins its
 * source only that parser is tried, and a payload it does not recognise is a 400 that says what
 * was expected (and what the payload looks like, when that is known).
 */
export function detectSource(req: WebhookRequest, pinned?: PushSource): PushParser {
  const detected = PARSERS.find((parser) => parser.matches(req));
  if (pinned === undefined) {
    if (detected !== undefined) return detected;
    throw new ValidationError(`unrecognised webhook payload; expected one of ${describeAll()}`);
  }
  const parser = PARSERS.find((candidate) => candidate.source === pinned);
  if (parser?.matches(req) === true) return parser;
  const seen = detected === undefined ? "" : `; it looks like a ${detected.label} payload`;
  throw new ValidationError(
    `this service accepts only ${parser?.label ?? pinned} webhooks (source "${pinned}")${seen}`,
  );
}
