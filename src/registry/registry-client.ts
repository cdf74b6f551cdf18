import { createHash } from "node:crypto";
import { Agent, request, type Dispatcher } from "undici";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { nextPageUrl } from "./link-header.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { basicAuthorization, parseTokenReply, tokenUrl, type RegistryCredentials } from "./registry-auth.js";
import {
  RegistryAuthError,
  RegistryNotFoundError,
  RegistryRateLimitedError,
  RegistryUnavailableError,
  retryAfterMs,
} from "./registry-errors.js";
import { parseChallenge } from "./www-authenticate.js";

export interface RegistryClientOptions {
  /** Host (and port) of the Distribution API, e.g. `registry.example.com:5000`. */
  host: string;
  credentials?: RegistryCredentials;
  /** Plain HTTP instead of HTTPS (a loopback or lab registry). */
  insecure?: boolean;
  clock: Clock;
  log: Logger;
  /** Per request, headers and body. Default 15 s. */
  timeoutMs?: number;
}

export interface ManifestRef {
  digest: string;
  mediaType: string;
}

type Action = "pull" | "delete";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Largest manifest, tag page or signature blob read into memory (a signature is a few KiB). */
const MAX_BODY = 4 * 1024 * 1024;

/**
 * A Distribution API client (https://distribution.github.io/distribution/spec/api/) on undici:
 * Basic auth, or the Bearer token flow when the registry's 401 challenge asks for it (token
 * fetched from the challenge's realm with the Basic credentials, cached per scope until it
 * expires). Failures are typed (registry-errors.ts); credentials and tokens are never logged.
 */
export class RegistryClient {
  private readonly dispatcher: Agent;
  private readonly base: string;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private basic = false;

  constructor(private readonly o: RegistryClientOptions) {
    const timeout = o.timeoutMs ?? 15_000;
    this.dispatcher = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: timeout });
    this.base = `${o.insecure ? "http" : "https"}://${o.host}`;
  }

  get host(): string {
    return this.o.host;
  }

  /** `GET /v2/`: resolves when the registry answers and accepts our credentials. */
  async ping(): Promise<void> {
    await this.call("GET", "/v2/", undefined);
  }

  /** `HEAD /v2/<repo>/manifests/<ref>` → the manifest's (or index's) digest. */
  async headManifest(repository: string, reference: string): Promise<ManifestRef> {
    const path = `/v2/${repository}/manifests/${reference}`;
    const reply = await this.call("HEAD", path, { repository, action: "pull" }, { accept: MANIFEST_ACCEPT });
    const digest = header(reply, "docker-content-digest");
    const mediaType = header(reply, "content-type") ?? "";
    // A registry that leaves the digest header out: hash the manifest it serves instead.
    if (!digest) return this.getManifest(repository, reference);
    return { digest, mediaType };
  }

  /** `GET /v2/<repo>/manifests/<ref>`: the manifest bytes and their sha256 digest. */
  async getManifest(repository: string, reference: string): Promise<ManifestRef & { body: Buffer }> {
    const path = `/v2/${repository}/manifests/${reference}`;
    const reply = await this.call("GET", path, { repository, action: "pull" }, { accept: MANIFEST_ACCEPT });
    const digest = `sha256:${createHash("sha256").update(reply.body).digest("hex")}`;
    return { digest, mediaType: header(reply, "content-type") ?? "", body: reply.body };
  }

  /** `GET /v2/<repo>/blobs/<digest>`, checked against the digest. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const reply = await this.call("GET", `/v2/${repository}/blobs/${digest}`, { repository, action: "pull" });
    const actual = `sha256:${createHash("sha256").update(reply.body).digest("hex")}`;
    if (actual !== digest) {
      throw new RegistryUnavailableError(this.o.host, `blob ${digest} of ${repository} arrived as ${actual}`);
    }
    return reply.body;
  }

  /** Every tag of `repository`, following the `Link: <…>; rel="next"` pages. */
  async listTags(repository: string, pageSize = 100): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `${this.base}/v2/${repository}/tags/list?n=${pageSize}`;
    for (let page = 0; url !== undefined; page++) {
      if (page > 10_000) throw new RegistryUnavailableError(this.o.host, "tag list never ends");
      const reply: Reply = await this.call("GET", url, { repository, action: "pull" });
      const body = JSON.parse(reply.body.toString("utf8")) as { tags?: unknown };
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === "string"));
      url = nextPageUrl(header(reply, "link"), url);
    }
    return tags;
  }

  /** `DELETE /v2/<repo>/manifests/<digest>` (the registry must have deletes enabled). */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    await this.call("DELETE", `/v2/${repository}/manifests/${digest}`, { repository, action: "delete" });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** One call with the auth flow: try, and on a 401 challenge authenticate and try once more. */
  private async call(
    method: Dispatcher.HttpMethod,
    pathOrUrl: string,
    scope: { repository: string; action: Action } | undefined,
    extra: Record<string, string> = {},
  ): Promise<Reply> {
    const url = pathOrUrl.startsWith("/") ? `${this.base}${pathOrUrl}` : pathOrUrl;
    const scopeText = scope
      ? `repository:${scope.repository}:${scope.action === "delete" ? "delete" : "pull"}`
      : "";
    let reply = await this.send(method, url, { ...extra, ...this.cachedAuth(scopeText) });
    if (reply.status === 401) {
      const auth = await this.authenticate(header(reply, "www-authenticate"), scopeText);
      reply = await this.send(method, url, { ...extra, authorization: auth });
    }
    return this.check(method, url, reply);
  }

  private cachedAuth(scope: string): Record<string, string> {
    const cached = this.tokens.get(scope);
    if (cached && cached.expiresAt > this.o.clock.now()) return { authorization: `Bearer ${cached.token}` };
    if (this.basic && this.o.credentials) return { authorization: basicAuthorization(this.o.credentials) };
    return {};
  }

  /** Answers a 401's challenge: Basic credentials, or a token from the realm (README, "Registry credentials"). */
  private async authenticate(challengeHeader: string | undefined, scope: string): Promise<string> {
    const challenge = parseChallenge(challengeHeader);
    const creds = this.o.credentials;
    if (challenge?.scheme === "basic") {
      if (!creds)
        throw new RegistryAuthError(this.o.host, `registry ${this.o.host} needs credentials (Basic auth)`);
      this.basic = true;
      return basicAuthorization(creds);
    }
    if (challenge?.scheme !== "bearer" || !challenge.realm) {
      throw new RegistryAuthError(
        this.o.host,
        `registry ${this.o.host} refused the request (401) without a usable challenge`,
      );
    }
    const url = tokenUrl(challenge, scope);
    const reply = await this.send("GET", url, creds ? { authorization: basicAuthorization(creds) } : {});
    if (reply.status === 401 || reply.status === 403) {
      throw new RegistryAuthError(
        this.o.host,
        `token endpoint of ${this.o.host} refused ${creds ? `the credentials of ${creds.username}` : "anonymous access"} (${reply.status})`,
      );
    }
    this.check("GET", url, reply);
    const { token, expiresAt } = parseTokenReply(JSON.parse(reply.body.toString("utf8")), this.o.clock.now());
    this.tokens.set(scope, { token, expiresAt });
    return `Bearer ${token}`;
  }

  private async send(
    method: Dispatcher.HttpMethod,
    url: string,
    headers: Record<string, string>,
  ): Promise<Reply> {
    try {
      const res = await request(url, { method, headers, dispatcher: this.dispatcher, maxRedirections: 3 });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY) {
          res.body.destroy();
          throw new RegistryUnavailableError(
            this.o.host,
            `answer to ${method} ${new URL(url).pathname} is over ${MAX_BODY} bytes`,
          );
        }
        chunks.push(chunk as Buffer);
      }
      this.o.log.debug({ method, path: new URL(url).pathname, status: res.statusCode }, "registry call");
      return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
    } catch (error) {
      if (error instanceof RegistryUnavailableError) throw error;
      const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
      throw new RegistryUnavailableError(this.o.host, `registry ${this.o.host} unreachable: ${reason}`, {
        cause: error,
      });
    }
  }

  private check(method: string, url: string, reply: Reply): Reply {
    const what = `${method} ${new URL(url).pathname}`;
    if (reply.status >= 200 && reply.status < 300) return reply;
    if (reply.status === 429) {
      throw new RegistryRateLimitedError(
        this.o.host,
        retryAfterMs(header(reply, "retry-after"), this.o.clock.now()),
      );
    }
    if (reply.status === 401 || reply.status === 403) {
      throw new RegistryAuthError(
        this.o.host,
        `registry ${this.o.host} refused ${what} (${reply.status}): ${errorText(reply)}`,
      );
    }
    if (reply.status === 404) {
      throw new RegistryNotFoundError(
        this.o.host,
        `registry ${this.o.host}: ${what} not found (${errorText(reply)})`,
      );
    }
    throw new RegistryUnavailableError(
      this.o.host,
      `registry ${this.o.host} answered ${what} with ${reply.status}: ${errorText(reply)}`,
    );
  }
}

function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The Distribution error body's first code and message, e.g. `MANIFEST_UNKNOWN: manifest unknown`. */
function errorText(reply: Reply): string {
  try {
    const body = JSON.parse(reply.body.toString("utf8")) as {
      errors?: Array<{ code?: string; message?: string }>;
    };
    const first = body.errors?.[0];
    if (first) return `${first.code ?? "ERROR"}: ${first.message ?? ""}`.slice(0, 300);
  } catch {
    // not JSON: fall through
  }
  return reply.body.toString("utf8").slice(0, 200) || "no body";
}
