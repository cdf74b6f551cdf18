import { objectAt, plainWord, requireString, stringAt } from "../json-fields.js";
import type { PushParser } from "../parser.js";

const label = "JFrog Artifactory";

/**
 * Artifactory event webhooks, Docker domain, `pushed` event (README, "JFrog Artifactory"). The repository is
 * named the way Artifactory's repository-path method pulls it, `<origin host>/<repo key>/<image>`
 * (as Kargo builds it); without `jpd_origin` it is the bare `image_name`, as Keel uses it.
 * `sha256` is the manifest file's hash, which is the manifest digest.
 */
export const jfrogParser: PushParser = {
  source: "jfrog",
  label,
  matches(req) {
    if (req.headers["x-jfrog-event-auth"] !== undefined) return true;
    const body = req.body;
    return stringAt(body, "domain") !== undefined && objectAt(body, "data") !== undefined;
  },
  parse(req, receivedAt) {
    const domain = stringAt(req.body, "domain");
    if (domain !== "docker") return { events: [], ignored: [`${plainWord(domain)} domain event`] };
    const eventType = stringAt(req.body, "event_type");
    if (eventType !== "pushed") return { events: [], ignored: [`${plainWord(eventType)} event`] };
    const data = objectAt(req.body, "data");
    const image = requireString(label, data, "image_name");
    const tag = stringAt(data, "tag");
    if (tag === undefined) return { events: [], ignored: ["untagged manifest"] };
    const sha256 = stringAt(data, "sha256");
    return {
      events: [
        {
          source: "jfrog",
          repository: qualify(image, stringAt(data, "repo_key"), stringAt(req.body, "jpd_origin")),
          tag,
          ...(sha256 !== undefined && { digest: `sha256:${sha256}` }),
          receivedAt,
        },
      ],
      ignored: [],
    };
  },
};

function qualify(image: string, repoKey: string | undefined, origin: string | undefined): string {
  if (repoKey === undefined || origin === undefined || !URL.canParse(origin)) return image;
  return `${new URL(origin).host}/${repoKey}/${image}`;
}
