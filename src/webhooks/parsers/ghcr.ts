import { arrayAt, objectAt, plainWord, requireString, stringAt } from "../json-fields.js";
import type { PushParser } from "../parser.js";

const label = "GHCR";

/** Documented actions, plus `create` as in Keel's real GHCR fixture (README, "GitHub Container Registry (GHCR)"; GitHub's `package` event). */
const PUSH_ACTIONS = new Set(["published", "updated", "create"]);

/**
 * GitHub `package` (and the older `registry_package`) events for container packages. GitHub
 * sends one delivery per manifest of a multi-arch push; only the index has a tag, the others
 * have `tag.name: ""` and are ignored. `X-GitHub-Delivery` is the delivery id. Any other
 * `X-GitHub-Event` (e.g. the `ping` sent when the hook is created) is answered as ignored.
 */
export const ghcrParser: PushParser = {
  source: "ghcr",
  label,
  matches: (req) => req.headers["x-github-event"] !== undefined,
  parse(req, receivedAt) {
    const event = req.headers["x-github-event"];
    if (event !== "package" && event !== "registry_package") {
      return { events: [], ignored: [`GitHub ${plainWord(event)} event`] };
    }
    const action = stringAt(req.body, "action");
    if (action === undefined || !PUSH_ACTIONS.has(action)) {
      return { events: [], ignored: [`package ${plainWord(action)} event`] };
    }
    const pkg = objectAt(req.body, event);
    const type = (stringAt(pkg, "package_type") ?? stringAt(pkg, "ecosystem") ?? "").toLowerCase();
    if (type !== "container" && type !== "docker")
      return { events: [], ignored: ["not a container package"] };
    const owner = stringAt(pkg, "owner", "login") ?? requireString(label, pkg, "namespace");
    const name = requireString(label, pkg, "name");
    // OCI references are lower case; GitHub keeps the owner's display casing.
    const repository = `ghcr.io/${owner}/${name}`.toLowerCase();
    const version = objectAt(pkg, "package_version");
    const tags = versionTags(version);
    if (tags.length === 0) return { events: [], ignored: ["untagged package version"] };
    const digest =
      stringAt(version, "container_metadata", "tag", "digest") ??
      stringAt(version, "container_metadata", "manifest", "digest");
    const deliveryId = req.headers["x-github-delivery"];
    const events = tags.map((tag) => ({
      source: "ghcr" as const,
      repository,
      tag,
      ...(digest !== undefined && { digest }),
      ...(deliveryId !== undefined && deliveryId !== "" && { deliveryId }),
      receivedAt,
    }));
    return { events, ignored: [] };
  },
};

/**
 * The version's tags: `container_metadata.tag.name`, plus `metadata.container.tags` when GitHub
 * fills `metadata` the way its packages REST API does (a version pushed under several tags).
 */
function versionTags(version: unknown): string[] {
  const tags = new Set<string>();
  const primary = stringAt(version, "container_metadata", "tag", "name");
  if (primary !== undefined) tags.add(primary);
  for (const tag of arrayAt(version, "metadata", "container", "tags") ?? []) {
    if (typeof tag === "string" && tag !== "") tags.add(tag);
  }
  return [...tags];
}
