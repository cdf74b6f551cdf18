import { randomBytes } from "node:crypto";
import { loadConfig } from "../config/load-config.js";
import type { TagrollConfig } from "../config/types.js";

const DEV_CONFIG_PATH = "/tagroll-dev/tagroll.yaml";

/**
 * The demo service as a user would configure it; the demo job opts in with `meta.tagroll_service`.
 * The demo image is on no registry tagroll can reach, and the printed Docker Hub payload names no
 * digest, so the demo deploys by tag alone (`digest: false`, README "Supply chain").
 */
const DEV_YAML = `
services:
  - name: demo
    image: docker.io/tagroll/demo
    digest: false
    policy:
      order: none
`;

/**
 * The configuration `tagroll dev` runs with, through the same loader and validation as
 * `tagroll serve`: a throwaway signing key, the local agents, and the demo service.
 */
export function devConfig(options: {
  consulAddr: string;
  nomadAddr: string;
  port: number;
  /** `--log-level`; default warn, so the output shows the rollouts and what went wrong. */
  logLevel?: string;
}): TagrollConfig {
  const logLevel = options.logLevel === undefined ? {} : { logLevel: options.logLevel };
  return loadConfig({
    flags: { config: DEV_CONFIG_PATH, port: options.port, host: "127.0.0.1", ...logLevel },
    env: {
      TAGROLL_SIGNING_KEYS: `dev:${randomBytes(32).toString("base64")}`,
      CONSUL_HTTP_ADDR: options.consulAddr,
      NOMAD_ADDR: options.nomadAddr,
      TAGROLL_LOG_LEVEL: "warn",
    },
    readFile: (path) => (path === DEV_CONFIG_PATH ? DEV_YAML : undefined),
  });
}

/** A ready-to-paste Docker Hub push notification for the demo image. */
export function dockerHubCurl(url: string, tag: string): string {
  const body = JSON.stringify({
    push_data: { pushed_at: Math.floor(Date.now() / 1000), pusher: "you", tag },
    repository: { repo_name: "tagroll/demo", namespace: "tagroll", name: "demo", status: "Active" },
  });
  return `curl -sS -X POST -H 'Content-Type: application/json' --data '${body}' ${url}`;
}

/** `path` as one shell word: as is when it only has safe characters, else single-quoted. */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}

/** A `consul kv put` that works as printed: the cached binary by its full path, the agent's address. */
export function consulKvPutHint(consulBin: string, consulAddr: string, key: string, value: string): string {
  return `${shellWord(consulBin)} kv put -http-addr=${consulAddr} ${key} ${value}`;
}
