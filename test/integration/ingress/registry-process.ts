import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { AgentProcess } from "../../../src/agents/agent-process.js";
import { waitFor } from "../../helpers/cluster.js";

/**
 * A real CNCF Distribution registry (Debian's `docker-registry`, 2.8.x) on a loopback port,
 * configured to send its notifications to `notifyUrl`, and `skopeo` to push to and pull from it.
 */

export const REGISTRY_BIN = "/usr/bin/docker-registry";
export const SKOPEO_BIN = "/usr/bin/skopeo";

export interface RegistryOptions {
  dir: string;
  port: number;
  /** Where the registry sends its notifications; none when left out (a registry without webhooks). */
  notifyUrl?: string;
  /** Sent verbatim as the Authorization header of every notification. */
  authorization?: string;
  /** An htpasswd file (bcrypt): the registry then asks for Basic auth (distribution "auth.htpasswd"). */
  htpasswd?: string;
  /** Token auth (distribution "auth.token"): the issuer's realm, service, issuer name and certificate. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface Registry {
  /** `127.0.0.1:<port>`, the host part of image references. */
  host: string;
  logTail(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions): Promise<Registry> {
  const { dir, port } = options;
  await mkdir(join(dir, "storage"), { recursive: true });
  // The registry's config.yml (distribution docs "configuration.md#notifications"). Headers are
  // lists; a short timeout and backoff keep redelivery quick if tagroll is momentarily busy.
  const config = [
    "version: 0.1",
    "log: { level: info, formatter: text }",
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(join(dir, "storage"))} }, delete: { enabled: true } }`,
    `http: { addr: "127.0.0.1:${port}", secret: "${randomBytes(16).toString("hex")}" }`,
    ...(options.notifyUrl === undefined
      ? []
      : [
          "notifications:",
          "  endpoints:",
          "    - name: tagroll",
          `      url: ${JSON.stringify(options.notifyUrl)}`,
          `      headers: { Authorization: [${JSON.stringify(options.authorization ?? "")}] }`,
          "      timeout: 5s",
          "      threshold: 3",
          "      backoff: 1s",
        ]),
    ...(options.htpasswd === undefined
      ? []
      : [`auth: { htpasswd: { realm: tagroll-test, path: ${JSON.stringify(options.htpasswd)} } }`]),
    ...(options.token === undefined
      ? []
      : [
          "auth:",
          "  token:",
          `    realm: ${JSON.stringify(options.token.realm)}`,
          `    service: ${JSON.stringify(options.token.service)}`,
          `    issuer: ${JSON.stringify(options.token.issuer)}`,
          `    rootcertbundle: ${JSON.stringify(options.token.rootCertBundle)}`,
        ]),
    "",
  ].join("\n");
  const file = join(dir, "config.yml");
  await writeFile(file, config);
  const child = AgentProcess.start(
    "docker-registry",
    REGISTRY_BIN,
    ["serve", file],
    join(dir, "registry.log"),
  );
  const host = `127.0.0.1:${port}`;
  try {
    await waitFor(
      "docker-registry to answer /v2/",
      async () => {
        const exited = child.exitReason();
        if (exited) throw new Error(`${exited}\n${await child.logTail()}`);
        const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2_000) });
        // 401: up, and asking for credentials.
        return res.ok || res.status === 401;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  return { host, logTail: (lines) => child.logTail(lines), stop: () => child.stop(5_000) };
}

const exec = promisify(execFile);

/** `skopeo …` with a bound; TLS verification off (plain-HTTP loopback registry), no policy file. */
export async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec(SKOPEO_BIN, ["--insecure-policy", ...args], {
    timeout: 120_000,
    env: { PATH: "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/root" },
  });
  return stdout;
}
