import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  loadPublicKeys,
  parsePayload,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  signatureLayers,
  signatureTag,
  signingKey,
} from "../../../src/supply-chain/cosign-signature.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { pem: publicKey.export({ type: "spki", format: "pem" }).toString(), privateKey };
}

/** A payload shaped like the one `cosign sign` uploads. */
const payload = (reference: string, digest: string) =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": reference },
        image: { "docker-manifest-digest": digest },
        type: "cosign container image signature",
      },
      optional: null,
    }),
  );

describe("cosign signatures", () => {
  it("names the signature tag after the digest", () => {
    expect(signatureTag(DIGEST)).toBe(`sha256-${"ab".repeat(32)}.sig`);
  });

  it("verifies an ECDSA P-256 signature with the right key only, across several keys", () => {
    const signer = keyPair();
    const other = keyPair();
    const body = payload("127.0.0.1:5000/demo/web", DIGEST);
    const signature = sign("sha256", body, signer.privateKey).toString("base64");
    const keys = loadPublicKeys([
      { file: "old.pub", pem: other.pem },
      { file: "new.pub", pem: signer.pem },
    ]);
    expect(signingKey(body, signature, keys)?.file).toBe("new.pub");
    expect(signingKey(body, signature, keys.slice(0, 1))).toBeUndefined();
    // One changed byte of the payload breaks it.
    const tampered = Buffer.from(body.toString().replace("demo/web", "demo/wex"));
    expect(signingKey(tampered, signature, keys)).toBeUndefined();
    expect(signingKey(body, "bm90IGEgc2lnbmF0dXJl", keys)).toBeUndefined();
  });

  it("reads the claim of a simple-signing payload", () => {
    expect(parsePayload(payload("r/x", DIGEST))).toEqual({ dockerReference: "r/x", manifestDigest: DIGEST });
    expect(parsePayload(Buffer.from("{}"))).toBeUndefined();
    expect(parsePayload(Buffer.from("not json"))).toBeUndefined();
  });

  it("keeps only simple-signing layers with a signature annotation", () => {
    const manifest = {
      schemaVersion: 2,
      layers: [
        {
          mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
          digest: "sha256:1",
          annotations: { [SIGNATURE_ANNOTATION]: "c2ln" },
        },
        { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, digest: "sha256:2", annotations: {} },
        {
          mediaType: "application/octet-stream",
          digest: "sha256:3",
          annotations: { [SIGNATURE_ANNOTATION]: "x" },
        },
      ],
    };
    expect(signatureLayers(Buffer.from(JSON.stringify(manifest)))).toEqual([
      { payloadDigest: "sha256:1", signature: "c2ln" },
    ]);
    expect(signatureLayers(Buffer.from("nope"))).toEqual([]);
  });
});
