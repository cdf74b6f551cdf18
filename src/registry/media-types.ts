/**
 * Manifest media types a HEAD or GET accepts. Index types come first so a multi-arch image
 * answers with its index (manifest list) digest — the one `docker pull repo@digest` resolves on
 * every platform — and a single-platform image with its manifest digest.
 */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `sha256:<64 hex>` — the only digest algorithm tagroll pins and verifies. */
export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isSha256Digest(value: string): boolean {
  return SHA256_DIGEST.test(value);
}
