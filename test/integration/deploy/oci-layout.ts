import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const digestOf = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/**
 * Writes the smallest valid OCI image layout (one empty layer, a config, a manifest, an index)
 * into `dir`, tagged `ref`, so `skopeo copy oci:<dir>:<ref> docker://...` has something to push
 * without a Docker engine. Returns the manifest digest.
 */
export async function writeOciLayout(dir: string, ref: string): Promise<string> {
  const blobs = join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const blob = async (data: Buffer) => {
    const digest = digestOf(data);
    await writeFile(join(blobs, digest.slice("sha256:".length)), data);
    return { digest, size: data.length };
  };

  const tar = Buffer.alloc(1024); // an empty tar archive: two zero blocks
  const layer = await blob(gzipSync(tar));
  const config = await blob(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: {},
        rootfs: { type: "layers", diff_ids: [digestOf(tar)] },
      }),
    ),
  );
  const manifest = await blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
      }),
    ),
  );
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        ...manifest,
        annotations: { "org.opencontainers.image.ref.name": ref },
      },
    ],
  };
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return manifest.digest;
}
