import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes a one-layer OCI image layout by hand (image-spec "image-layout.md"): `oci-layout`,
 * content-addressed blobs and an `index.json` naming the manifest by tag. No Docker, no tar
 * binary: the layer is a ustar archive built here, holding one small file, so every image this
 * makes for a new tag has a new digest.
 */

const MEDIA = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar",
} as const;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export async function writeOciLayout(
  dir: string,
  tag: string,
  fileContent = `tag ${tag}\n`,
): Promise<Descriptor> {
  const blobs = join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const put = async (mediaType: string, bytes: Buffer): Promise<Descriptor> => {
    const hex = createHash("sha256").update(bytes).digest("hex");
    await writeFile(join(blobs, hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };

  const layer = await put(MEDIA.layer, tarOneFile("app/TAG", Buffer.from(fileContent)));
  const imageConfig = {
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["/app/TAG"] },
    // Uncompressed layer: its diff id is its digest.
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  };
  const config = await put(MEDIA.config, Buffer.from(JSON.stringify(imageConfig)));
  const manifestBody = { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers: [layer] };
  const manifest = await put(MEDIA.manifest, Buffer.from(JSON.stringify(manifestBody)));

  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = {
    schemaVersion: 2,
    manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } }],
  };
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
  return manifest;
}

/** A POSIX ustar archive with one regular file (512-byte header, data, two zero blocks). */
export function tarOneFile(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, "ascii");
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");
  field(0, 100, name);
  field(100, 8, octal(0o755, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(data.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, "        "); // checksum counts itself as spaces
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${octal(sum, 7)}\0`);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}
