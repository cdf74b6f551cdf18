import { arrayAt, objectAt, plainWord, stringAt } from "../json-fields.js";
import type { ParseResult, PushParser, WebhookRequest } from "../parser.js";
import { ValidationError } from "../../core/errors.js";
import type { PushEvent } from "../../core/push-event.js";
import { splitReference } from "../image-reference.js";

const label = "Harbor";

/** Harbor 1.x `pushImage`, 2.x `PUSH_ARTIFACT`, and the CloudEvents type (README, "Harbor"; https://goharbor.io/docs/main/working-with-projects/project-configuration/configure-webhooks/). */
const PUSH_TYPES = new Set(["pushImage", "PUSH_ARTIFACT", "harbor.artifact.pushed"]);

interface HarborEnvelope {
  type: string;
  data: unknown;
  deliveryId?: string;
}

/**
 * The same data in Harbor's three wrappings: the default format (`type` + `event_data`), a
 * structured CloudEvent (`application/cloudevents+json`, what Harbor sends), or a binary-mode
 * CloudEvent (`ce-*` headers, the body being `data`).
 */
function envelope(req: WebhookRequest): HarborEnvelope | undefined {
  const ceType = req.headers["ce-type"];
  if (ceType?.startsWith("harbor.") === true && req.headers["ce-specversion"] !== undefined) {
    const id = req.headers["ce-id"];
    return { type: ceType, data: req.body, ...(id !== undefined && id !== "" && { deliveryId: id }) };
  }
  const type = stringAt(req.body, "type");
  if (type === undefined) return undefined;
  if (stringAt(req.body, "specversion") !== undefined && type.startsWith("harbor.")) {
    const id = stringAt(req.body, "id");
    return { type, data: objectAt(req.body, "data"), ...(id !== undefined && { deliveryId: id }) };
  }
  const data = objectAt(req.body, "event_data");
  return data === undefined ? undefined : { type, data };
}

export const harborParser: PushParser = {
  source: "harbor",
  label,
  matches: (req) => envelope(req) !== undefined,
  parse(req, receivedAt) {
    const found = envelope(req);
    if (found === undefined) throw new ValidationError(`${label} payload has no event type`);
    if (!PUSH_TYPES.has(found.type)) return { events: [], ignored: [`${plainWord(found.type)} event`] };
    const resources = arrayAt(found.data, "resources");
    if (resources === undefined) throw new ValidationError(`${label} payload has no resources`);
    const fullName = stringAt(found.data, "repository", "repo_full_name");
    const result: ParseResult = { events: [], ignored: [] };
    for (const resource of resources) {
      const read = readResource(resource, fullName, found.deliveryId, receivedAt);
      if (typeof read === "string") result.ignored.push(read);
      else result.events.push(read);
    }
    return result;
  },
};

function readResource(
  resource: unknown,
  fullName: string | undefined,
  deliveryId: string | undefined,
  receivedAt: Date,
): PushEvent | string {
  const tag = stringAt(resource, "tag");
  const digest = stringAt(resource, "digest");
  if (tag === undefined) return "untagged artifact";
  // Artifacts pushed by digest (replication, harbor-jobservice) repeat the digest as the tag.
  if (tag === digest || tag.startsWith("sha256:")) return "digest-only push";
  // `resource_url` carries the host (`hub.harbor.com/project/repo:tag`); `repo_full_name` does not.
  const url = stringAt(resource, "resource_url");
  const repository = url === undefined ? fullName : splitReference(url).repository;
  if (repository === undefined) throw new ValidationError(`${label} resource has no resource_url`);
  return {
    source: "harbor",
    repository,
    tag,
    ...(digest !== undefined && { digest }),
    ...(deliveryId !== undefined && { deliveryId }),
    receivedAt,
  };
}
