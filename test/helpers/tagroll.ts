import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { inject } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import type { TagrollConfig } from "../../src/config/types.js";
import { systemClock } from "../../src/core/clock.js";
import { createLogger, type Logger } from "../../src/core/logger.js";
import { startRuntime, type Runtime } from "../../src/runtime/runtime.js";
import { createWebhookToken } from "../../src/tokens/webhook-token.js";
import { tagOnly } from "./tag-only.js";

/**
 * tagroll started in-process for integration tests: the configuration comes from the real
 * `loadConfig` (in-memory YAML + env, no files on disk), the server from the real `startRuntime`,
 * and every log line lands in memory so a test can assert that no token ever reaches one.
 */

/** A fresh `kid:base64secret` signing-key list, as TAGROLL_SIGNING_KEYS takes it. */
export function newSigningKeys(...kids: string[]): string {
  return (kids.length ? kids : ["k1"]).map((kid) => `${kid}:${randomBytes(32).toString("base64")}`).join(",");
}

export interface TagrollTestOptions {
  /** The configuration file's text (YAML); it is read through loadConfig's injected readFile. */
  yaml: string;
  /** Extra environment (secrets, overrides); signing keys and agent addresses are filled in. */
  env?: Record<string, string>;
  /** Other in-memory files the configuration names (key files, secret files), by absolute path. */
  files?: Record<string, string>;
  /** Consul address; default the shared dev agent's. */
  consulAddr?: string;
  /** Default false: ingress tests must not start rollouts. */
  coordinator?: boolean;
  /** Keep the default digest pinning on services that do not mention it (default: `digest: false`, tag-only.ts). */
  pinDigests?: boolean;
}

export const CONFIG_PATH = "/virtual/tagroll/tagroll.yaml";

/** The validated configuration, exactly as `tagroll serve` would build it from these inputs. */
export function loadTestConfig(options: TagrollTestOptions): TagrollConfig {
  const yaml = options.pinDigests ? options.yaml : tagOnly(options.yaml);
  const files = new Map(Object.entries({ ...options.files, [CONFIG_PATH]: yaml }));
  return loadConfig({
    flags: { config: CONFIG_PATH, host: "127.0.0.1", coordinator: options.coordinator ?? false },
    env: {
      TAGROLL_SIGNING_KEYS: newSigningKeys("k1"),
      CONSUL_HTTP_ADDR: options.consulAddr ?? inject("consulAddr"),
      NOMAD_ADDR: inject("nomadAddr"),
      ...options.env,
    },
    cwd: "/virtual/tagroll",
    readFile: (path) => files.get(path),
  });
}

export interface TestTagroll {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  config: TagrollConfig;
  runtime: Runtime;
  /** A fresh token for `service` (not recorded anywhere) and its webhook URL on this server. */
  mint(service: string): Promise<{ url: string; token: string; jti: string }>;
  mintUrl(service: string): Promise<string>;
  /** Every log line written so far (raw JSON text, one per entry). */
  logs(): string[];
  /** Log lines holding any token minted here or listed in `others`, or its signature (expected: none). */
  linesWithTokens(others?: readonly string[]): string[];
  close(): Promise<void>;
}

/** A debug-level pino logger whose lines (raw JSON text) are kept in memory for assertions. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level: "debug", destination }), lines };
}

export async function startTagroll(options: TagrollTestOptions): Promise<TestTagroll> {
  const loaded = loadTestConfig(options);
  // The schema wants a real port (1-65535); tests listen on an ephemeral one instead so parallel
  // engineers on one machine never collide. Everything else is loadConfig's output, untouched.
  const config: TagrollConfig = { ...loaded, server: { ...loaded.server, port: 0 } };
  const { log, lines } = capturingLogger();
  const runtime = await startRuntime({ config, log });
  const minted: string[] = [];
  const mint = async (service: string) => {
    const { token, jti } = await createWebhookToken(config.keys, config.activeKeyId, service, systemClock);
    minted.push(token);
    return { url: `${runtime.url}/hooks/${token}`, token, jti };
  };
  return {
    url: runtime.url,
    config,
    runtime,
    mint,
    mintUrl: async (service) => (await mint(service)).url,
    logs: () => [...lines],
    linesWithTokens: (others = []) => linesContainingAny(lines, [...minted, ...others]),
    close: () => runtime.close(),
  };
}

/** Lines that contain any of the tokens, whole or just their signature part. */
export function linesContainingAny(lines: readonly string[], tokens: readonly string[]): string[] {
  const needles = tokens.flatMap((token) => [token, token.split(".")[2] ?? ""]).filter((n) => n.length >= 16);
  return lines.filter((line) => needles.some((needle) => line.includes(needle)));
}

/** Every captured line that contains `secret` (expected: none). */
export function linesContaining(lines: readonly string[], secret: string): string[] {
  return lines.filter((line) => line.includes(secret));
}
