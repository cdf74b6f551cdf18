import { ValidationError } from "../../core/errors.js";
import { requireString, stringAt } from "../json-fields.js";
import { splitReference } from "../image-reference.js";
import type { PushParser } from "../parser.js";

const label = 'generic {"image", "tag"}';

/**
 * What a CI job posts after `docker push`: `{"image": "registry.example.com/acme/web",
 * "tag": "1.4.2", "digest"?: "sha256:…"}`. `image` may carry the tag (`acme/web:1.4.2`) when
 * `tag` is absent. A CI job that sends nothing to deploy is misconfigured, so no tag is a 400.
 */
export const genericParser: PushParser = {
  source: "generic",
  label,
  matches: (req) => stringAt(req.body, "image") !== undefined,
  parse(req, receivedAt) {
    const image = splitReference(requireString(label, req.body, "image"));
    if (image.repository === "") throw new ValidationError(`${label} payload has no repository in "image"`);
    const field = stringAt(req.body, "tag");
    if (field !== undefined && image.tag !== undefined && field !== image.tag) {
      throw new ValidationError(`${label} payload names two different tags in "image" and "tag"`);
    }
    const tag = field ?? image.tag;
    if (tag === undefined) throw new ValidationError(`${label} payload has no tag`);
    const digest = stringAt(req.body, "digest") ?? image.digest;
    const event = {
      source: "generic" as const,
      repository: image.repository,
      tag,
      ...(digest !== undefined && { digest }),
      receivedAt,
    };
    return { events: [event], ignored: [] };
  },
};
