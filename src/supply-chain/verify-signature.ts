import { locateImage } from "../registry/image-name.js";
import { RegistryNotFoundError } from "../registry/registry-errors.js";
import {
  parsePayload,
  signatureLayers,
  signatureTag,
  signingKey,
  type NamedKey,
} from "./cosign-signature.js";
import type { RepositoryHandle } from "./registry-pool.js";

export type SignatureVerdict =
  | { verified: true; keyFile: string }
  | { verified: false; reason: string; kind: "unsigned" | "wrong_key" | "other_image" };

/**
 * Checks that `digest` carries a cosign signature made by one of `keys` and that the signed
 * payload names this very repository and digest (README, "Signatures"). A missing signature,
 * a wrong key or a payload for something else is a verdict; a registry that cannot be asked
 * throws its typed error (503: the sender retries).
 */
export async function verifySignature(
  where: RepositoryHandle,
  image: string,
  digest: string,
  keys: readonly NamedKey[],
): Promise<SignatureVerdict> {
  const { registry, repository } = where;
  let manifest: Buffer;
  try {
    manifest = (await registry.getManifest(repository, signatureTag(digest))).body;
  } catch (error) {
    if (error instanceof RegistryNotFoundError) {
      return { verified: false, kind: "unsigned", reason: `no cosign signature for ${digest}` };
    }
    throw error;
  }
  const layers = signatureLayers(manifest);
  if (layers.length === 0) {
    return { verified: false, kind: "unsigned", reason: `${signatureTag(digest)} holds no cosign signature` };
  }
  let claimProblem: string | undefined;
  for (const layer of layers) {
    const payload = await registry.getBlob(repository, layer.payloadDigest);
    const key = signingKey(payload, layer.signature, keys);
    if (!key) continue;
    const claim = parsePayload(payload);
    if (!claim) {
      claimProblem = "the signed payload is not a cosign simple-signing payload";
    } else if (claim.manifestDigest !== digest) {
      claimProblem = `the signature found for ${digest} was made for ${claim.manifestDigest}`;
    } else if (!sameRepository(claim.dockerReference, image)) {
      claimProblem = `the signature was made for ${claim.dockerReference}, not ${image}`;
    } else {
      return { verified: true, keyFile: key.file };
    }
  }
  if (claimProblem) return { verified: false, kind: "other_image", reason: claimProblem };
  return {
    verified: false,
    kind: "wrong_key",
    reason: `the cosign signature of ${digest} does not verify with any configured public key`,
  };
}

/** `docker-reference` (may carry a tag) against the service's image, both normalised. */
function sameRepository(reference: string, image: string): boolean {
  const strip = (ref: string) => ref.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
  try {
    const a = locateImage(strip(reference));
    const b = locateImage(image);
    return a.apiHost === b.apiHost && a.repository === b.repository;
  } catch {
    return false;
  }
}
