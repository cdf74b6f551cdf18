import { isObject, requireString, stringAt, valueAt } from "../json-fields.js";
import type { PushParser } from "../parser.js";

const label = "Quay";

/**
 * Quay "Repository Push" notifications (https://docs.quay.io/guides/notifications.html): one notification per tag PUT, with the
 * tags in `updated_tags` — a list today, a map `{tag: imageId}` in the 2013 format. `docker_url`
 * includes the host; no digest is sent.
 */
export const quayParser: PushParser = {
  source: "quay",
  label,
  matches(req) {
    const named = stringAt(req.body, "docker_url") ?? stringAt(req.body, "repository");
    return named !== undefined && valueAt(req.body, "updated_tags") !== undefined;
  },
  parse(req, receivedAt) {
    const repository = stringAt(req.body, "docker_url") ?? requireString(label, req.body, "repository");
    const tags = updatedTags(valueAt(req.body, "updated_tags"));
    if (tags.length === 0) return { events: [], ignored: ["no updated tags"] };
    return {
      events: tags.map((tag) => ({ source: "quay" as const, repository, tag, receivedAt })),
      ignored: [],
    };
  },
};

function updatedTags(value: unknown): string[] {
  const names = Array.isArray(value) ? value : isObject(value) ? Object.keys(value) : [];
  return names.filter((name): name is string => typeof name === "string" && name !== "");
}
