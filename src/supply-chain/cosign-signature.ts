import { createPublicKey, verify, type KeyObject } from "node:crypto";

/**
 * cosign's key-based signature format, as `cosign sign --key` stores it in a registry
 * (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md): an OCI manifest tagged
 * `sha256-<hex>.sig` in the image's repository whose layers are "simple signing" JSON payloads,
 * each with its base64 ECDSA signature in the `dev.cosignproject.cosign/signature` annotation.
 */

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

/** The tag cosign attaches a digest's signatures to: `sha256:ab…` → `sha256-ab….sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(":", "-")}.sig`;
}

/** One signed layer of the signature manifest. */
export interface SignatureLayer {
  payloadDigest: string;
  signature: string;
}

/** The layers of a signature manifest that carry a simple-signing payload and a signature. */
export function signatureLayers(manifest: Buffer): SignatureLayer[] {
  let parsed: {
    layers?: Array<{ mediaType?: unknown; digest?: unknown; annotations?: Record<string, unknown> }>;
  };
  try {
    parsed = JSON.parse(manifest.toString("utf8")) as typeof parsed;
  } catch {
    return [];
  }
  return (parsed.layers ?? []).flatMap((layer) => {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE || typeof layer.digest !== "string") return [];
    if (typeof signature !== "string" || signature === "") return [];
    return [{ payloadDigest: layer.digest, signature }];
  });
}

/** What a simple-signing payload claims: `critical.identity` and `critical.image`. */
export interface SignedClaim {
  dockerReference: string;
  manifestDigest: string;
}

export function parsePayload(payload: Buffer): SignedClaim | undefined {
  try {
    const body = JSON.parse(payload.toString("utf8")) as {
      critical?: {
        identity?: { "docker-reference"?: unknown };
        image?: { "docker-manifest-digest"?: unknown };
      };
    };
    const ref = body.critical?.identity?.["docker-reference"];
    const digest = body.critical?.image?.["docker-manifest-digest"];
    if (typeof ref !== "string" || typeof digest !== "string") return undefined;
    return { dockerReference: ref, manifestDigest: digest };
  } catch {
    return undefined;
  }
}

export interface NamedKey {
  file: string;
  key: KeyObject;
}

/** PEM → key objects; throws on a PEM Node cannot read (the config reports it). */
export function loadPublicKeys(pems: ReadonlyArray<{ file: string; pem: string }>): NamedKey[] {
  return pems.map(({ file, pem }) => ({ file, key: createPublicKey(pem) }));
}

/**
 * The key among `keys` whose signature (base64, DER-encoded ECDSA over SHA-256 of the payload
 * bytes, as cosign makes it) verifies, or undefined.
 */
export function signingKey(
  payload: Buffer,
  signatureB64: string,
  keys: readonly NamedKey[],
): NamedKey | undefined {
  const signature = Buffer.from(signatureB64, "base64");
  return keys.find(({ key }) => {
    try {
      return verify("sha256", payload, key, signature);
    } catch {
      return false;
    }
  });
}
