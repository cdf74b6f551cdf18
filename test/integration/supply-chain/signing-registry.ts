import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import { inject } from "vitest";
import { freePort } from "../../../src/agents/free-port.js";
import { writeOciLayout } from "../ingress/oci-layout.js";
import { skopeo, startRegistry, type Registry } from "../ingress/registry-process.js";
import { TOKEN_ISSUER, TOKEN_SERVICE } from "./token-issuer.js";

/**
 * A real docker-registry that asks for Basic auth (htpasswd, bcrypt), images pushed to it by
 * skopeo, and signatures made by the real cosign CLI (global setup builds it:
 * test/helpers/cosign-binary.ts) with `--tlog-upload=false`, so nothing leaves the machine.
 */

const exec = promisify(execFile);
export const USER = "ci";

export interface SigningRegistry {
  registry: Registry;
  port: number;
  password: string;
  /** `127.0.0.1:<port>/demo/<name>` */
  image(name: string): string;
  /** Pushes a fresh one-layer image (new content every call) and returns its digest. */
  push(image: string, tag: string): Promise<string>;
  /** A cosign key pair in `dir/<name>`: paths of the encrypted private key and the PEM public key. */
  keyPair(name: string): Promise<{ key: string; pub: string; pem: string }>;
  /** `cosign sign --key` for `image@digest`. */
  sign(image: string, digest: string, key: string): Promise<void>;
  /** Copies one tag to another inside the registry (e.g. a signature onto another digest's tag). */
  copy(image: string, from: string, to: string): Promise<void>;
  stop(): Promise<void>;
  /** Starts a stopped registry again on the same port and storage. */
  restart(): Promise<void>;
}

/** A fresh password for USER. */
export function newRegistryPassword(): string {
  return `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
}

/**
 * Basic auth by default; with `token`, the registry sends clients to that token service instead
 * (distribution "auth.token"; token-issuer.ts), which must accept USER with `password`.
 */
export async function startSigningRegistry(
  dir: string,
  options: { password?: string; token?: { realm: string; certFile: string } } = {},
): Promise<SigningRegistry> {
  const port = await freePort();
  const password = options.password ?? newRegistryPassword();
  const htpasswd = join(dir, "htpasswd");
  await writeFile(htpasswd, `${USER}:${bcrypt.hashSync(password, 8)}\n`);
  const auth = options.token
    ? {
        token: {
          realm: options.token.realm,
          service: TOKEN_SERVICE,
          issuer: TOKEN_ISSUER,
          rootCertBundle: options.token.certFile,
        },
      }
    : { htpasswd };
  const dockerConfig = join(dir, "docker");
  await mkdir(dockerConfig, { recursive: true });
  const host = `127.0.0.1:${port}`;
  const basic = Buffer.from(`${USER}:${password}`).toString("base64");
  await writeFile(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [host]: { auth: basic } } }));
  const start = () => startRegistry({ dir: join(dir, "registry"), port, ...auth });
  let registry = await start();
  let pushes = 0;
  const creds = `${USER}:${password}`;
  const cosignEnv = {
    PATH: "/usr/bin:/bin",
    HOME: dir,
    DOCKER_CONFIG: dockerConfig,
    COSIGN_PASSWORD: "test-key-password",
    TUF_ROOT: join(dir, "tuf"),
  };
  const cosign = async (args: string[], cwd = dir) =>
    exec(inject("cosignBin"), args, { cwd, env: cosignEnv, timeout: 120_000 });

  return {
    get registry() {
      return registry;
    },
    port,
    password,
    image: (name) => `${host}/demo/${name}`,
    async push(image, tag) {
      const layout = join(dir, `layout-${++pushes}`);
      await writeOciLayout(layout, tag, `tag ${tag}, push ${pushes}, ${Date.now()}\n`);
      // skopeo may re-encode the manifest on the way (it compresses the layer), so the digest is
      // the one the registry stored, as skopeo reports it.
      const digestFile = join(layout, "pushed-digest");
      await skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds,
        "--digestfile",
        digestFile,
        `oci:${layout}:${tag}`,
        `docker://${image}:${tag}`,
      );
      return (await readFile(digestFile, "utf8")).trim();
    },
    async keyPair(name) {
      const keyDir = join(dir, `keys-${name}`);
      await mkdir(keyDir, { recursive: true });
      await cosign(["generate-key-pair"], keyDir);
      const pub = join(keyDir, "cosign.pub");
      return { key: join(keyDir, "cosign.key"), pub, pem: await readFile(pub, "utf8") };
    },
    async sign(image, digest, key) {
      await cosign([
        "sign",
        "--key",
        key,
        "--tlog-upload=false",
        "--allow-insecure-registry",
        "--allow-http-registry",
        "--yes",
        `${image}@${digest}`,
      ]);
    },
    async copy(image, from, to) {
      // The manifest bytes as they are (a PUT of the same bytes under another tag); blobs are shared.
      const base = `http://${host}/v2/${image.slice(host.length + 1)}/manifests`;
      // Basic auth only: with token auth this would first need a token (not used by those tests).
      const headers = { authorization: `Basic ${basic}` };
      const got = await fetch(`${base}/${from}`, {
        headers: { ...headers, accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      if (!got.ok) throw new Error(`GET manifest ${from}: ${got.status}`);
      const put = await fetch(`${base}/${to}`, {
        method: "PUT",
        headers: { ...headers, "content-type": got.headers.get("content-type") ?? "" },
        body: Buffer.from(await got.arrayBuffer()),
      });
      if (!put.ok) throw new Error(`PUT manifest ${to}: ${put.status} ${await put.text()}`);
    },
    stop: () => registry.stop(),
    async restart() {
      registry = await start();
    },
  };
}
