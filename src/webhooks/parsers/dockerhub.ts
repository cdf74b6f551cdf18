import { objectAt, requireString, stringAt } from "../json-fields.js";
import type { PushParser } from "../parser.js";

const label = "Docker Hub";

/**
 * Docker Hub repository webhooks (https://docs.docker.com/docker-hub/repos/manage/webhooks/). No delivery id, no digest, no signature. Quirks
 * that need no code but are covered by fixtures: a multi-arch push fires one identical delivery
 * per manifest (the ingress drops the repeats as "already desired"), and old payloads carry
 * `pushed_at` as a float in exponent form, which JSON.parse reads like any number — it is never
 * decoded into an integer here.
 */
export const dockerHubParser: PushParser = {
  source: "dockerhub",
  label,
  matches(req) {
    return objectAt(req.body, "push_data") !== undefined && objectAt(req.body, "repository") !== undefined;
  },
  parse(req, receivedAt) {
    // `repo_name` is `namespace/name`; the registry is implicitly docker.io.
    const repository = requireString(label, req.body, "repository", "repo_name");
    // Payloads from before 2017 listed `images` and had no tag at all.
    const tag = stringAt(req.body, "push_data", "tag");
    if (tag === undefined) return { events: [], ignored: ["push without a tag"] };
    // Undocumented, optional; Kargo reads it to tell a Helm chart from an image.
    const mediaType = stringAt(req.body, "push_data", "media_type");
    if (mediaType?.includes("helm") === true) return { events: [], ignored: ["Helm chart push"] };
    return { events: [{ source: "dockerhub", repository, tag, receivedAt }], ignored: [] };
  },
};
