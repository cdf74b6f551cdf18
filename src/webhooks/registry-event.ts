import type { PushEvent, PushSource } from "../core/push-event.js";
import { objectAt, plainWord, requireString, stringAt } from "./json-fields.js";

/**
 * Manifest media types (Docker v2 manifest and list, OCI manifest and index). Every other
 * `mediaType` a registry reports in a push event belongs to a blob: a layer or a config.
 */
const MANIFEST_MEDIA_TYPE =
  /^application\/vnd\.(docker\.distribution\.manifest\.|oci\.image\.(manifest|index)\.)/;

/**
 * Reads one event in the CNCF Distribution notification shape, which ACR sends too. Returns the
 * push, or the reason there is nothing to deploy. Filter from the Distribution notifications docs: action `push`, a
 * manifest media type and a tag (multi-arch children and by-digest pushes have none).
 */
export function readRegistryEvent(
  label: string,
  source: PushSource,
  event: unknown,
  receivedAt: Date,
): PushEvent | string {
  const action = stringAt(event, "action");
  if (action !== "push") return `${plainWord(action)} event`;
  const mediaType = stringAt(event, "target", "mediaType");
  // ACR documents no blob events, so a missing media type is read as a manifest.
  if (mediaType !== undefined && !MANIFEST_MEDIA_TYPE.test(mediaType)) return "blob push";
  const target = objectAt(event, "target");
  const path = requireString(label, target, "repository");
  const tag = stringAt(target, "tag");
  if (tag === undefined) return "untagged manifest";
  // The repository carries no host; the client's Host header is the best name for it (as Keel does).
  const host = stringAt(event, "request", "host");
  const digest = stringAt(target, "digest");
  const deliveryId = stringAt(event, "id");
  return {
    source,
    repository: host === undefined ? path : `${host}/${path}`,
    tag,
    ...(digest !== undefined && { digest }),
    ...(deliveryId !== undefined && { deliveryId }),
    receivedAt,
  };
}
