import { parseDocument, isMap, isSeq, type YAMLMap } from "yaml";

/**
 * A test configuration with `digest: false` on every service that says nothing about digests,
 * verification or polling. Digest pinning is on by default (README, "Supply chain"), and most
 * tests name images on registries they cannot reach (docker.io/acme/…): they test other things,
 * so they deploy by tag alone, as a user without a reachable registry would. Tests of the default
 * itself pass `{ pinDigests: true }` to the helpers that call this.
 */
export function tagOnly(yaml: string): string {
  let doc;
  try {
    doc = parseDocument(yaml);
  } catch {
    return yaml;
  }
  if (doc.errors.length > 0) return yaml;
  const services = isMap(doc.contents) ? doc.contents.get("services") : undefined;
  if (!isSeq(services)) return yaml;
  let changed = false;
  for (const item of services.items) {
    if (!isMap(item)) continue;
    const service = item as YAMLMap<unknown, unknown>;
    if (["digest", "verify", "poll"].some((field) => service.has(field))) continue;
    service.set("digest", false);
    changed = true;
  }
  return changed ? doc.toString() : yaml;
}
