/** An image reference split into its parts, e.g. `registry:5000/acme/web:1.2@sha256:…`. */
export interface ImageReference {
  /** Everything before the tag and digest, host included when present. */
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits `repo[:tag][@digest]`. The tag is only the part after a colon that follows the last
 * slash, so a registry port (`registry:5000/acme/web`) is never mistaken for a tag.
 */
export function splitReference(reference: string): ImageReference {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return {
    repository: rest,
    ...(tag !== undefined && tag !== "" && { tag }),
    ...(digest !== undefined && digest !== "" && { digest }),
  };
}
