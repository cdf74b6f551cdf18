import { ValidationError } from "../core/errors.js";

/** Media types registries send (README, "Registry setup"); anything else is refused with 415. */
const ACCEPTED = new Set([
  "application/json",
  "application/vnd.docker.distribution.events.v1+json",
  "application/vnd.docker.distribution.events.v2+json",
  "application/cloudevents+json",
]);

/** The request's media type, lower case and without parameters, if tagroll accepts it. */
export function acceptedMediaType(contentType: string): string {
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (!ACCEPTED.has(mediaType)) {
    const shown = mediaType ? JSON.stringify(mediaType.slice(0, 80)) : "none";
    throw new ValidationError(
      `unsupported content type ${shown}; send one of ${[...ACCEPTED].join(", ")}`,
      415,
    );
  }
  return mediaType;
}

/** The body as JSON, or a 400 that says so. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch {
    throw new ValidationError("malformed JSON body");
  }
}
