import { Agent, fetch } from "undici";
import type { NomadConfig } from "../config/types.js";
import { NotFoundError, UpstreamUnavailableError, ValidationError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { NomadScope } from "./nomad-api.js";

export interface NomadHttpOptions {
  /** Bound on each request unless the call gives its own; default 10 s. */
  timeoutMs?: number;
  /** Gets one `debug` line per request (method and path, status, milliseconds). */
  logger?: Logger;
}

export interface NomadReply {
  body: string;
  headers: Headers;
}

/** A long-lived answer (`NomadHttp.stream`): its body as it arrives, or why Nomad refused it. */
export type NomadStream =
  { ok: true; chunks: AsyncIterable<Uint8Array> } | { ok: false; status: number; reason: string };

export interface NomadRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  scope?: NomadScope;
  timeoutMs?: number;
}

/**
 * The HTTP plumbing every Nomad call shares: address, token header, namespace/region defaults,
 * TLS and a timeout per request, and one mapping of failures to tagroll errors.
 * It uses undici's own `fetch` with undici's `Agent`: a dispatcher only works reliably with the
 * fetch of the same undici release, and Node's bundled one differs across Node versions.
 */
export class NomadHttp {
  /** The address as printed in errors: no credentials, no token. */
  readonly where: string;
  private readonly dispatcher: Agent;
  private readonly timeoutMs: number;
  private readonly log: Logger | undefined;

  constructor(
    private readonly config: NomadConfig,
    options: NomadHttpOptions = {},
  ) {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(config.address)
      ? config.address
      : `http://${config.address}`;
    const url = new URL(withScheme);
    this.where = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.log = options.logger;
    const tls = {
      ...(config.caCert === undefined ? {} : { ca: config.caCert }),
      ...(config.clientCert === undefined ? {} : { cert: config.clientCert }),
      ...(config.clientKey === undefined ? {} : { key: config.clientKey }),
    };
    this.dispatcher = new Agent({ connect: tls });
  }

  /** JSON answer of `path`; a 404 throws `NotFoundError`. */
  async json<T>(path: string, request: NomadRequest = {}): Promise<T> {
    const text = await this.text(path, request);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /** Raw answer body of `path`; a 404 throws `NotFoundError`. */
  async text(path: string, request: NomadRequest = {}): Promise<string> {
    return (await this.request(path, request)).body;
  }

  /** A successful answer's body and headers; every failure throws as described on `failure`. */
  async request(path: string, request: NomadRequest = {}): Promise<NomadReply> {
    const method = request.method ?? "GET";
    const { url, headers } = this.target(path, request);
    const operation = `${method} ${url.pathname}`;
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    if (request.body !== undefined) headers["Content-Type"] = "application/json";

    let status: number;
    let body: string;
    let replyHeaders: Headers;
    const started = performance.now();
    const trace = (fields: Record<string, unknown>) =>
      this.log?.debug(
        { nomad: operation, ...fields, ms: Math.round(performance.now() - started) },
        "nomad call",
      );
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      replyHeaders = response.headers as unknown as Headers;
      body = await response.text();
    } catch (error) {
      const failure = this.unreachable(operation, error, timeoutMs);
      trace({ error: failure.message });
      throw failure;
    }
    trace({ status });
    if (status >= 200 && status < 300) return { body, headers: replyHeaders };
    throw this.failure(operation, status, body);
  }

  /**
   * Opens a long-lived GET whose body arrives over time (the event stream, src/coordinator/nomad-events/):
   * no timeout but `signal`. A refusal (non-2xx) is returned with its status and reason, not
   * thrown, so the caller can tell "never" from "not now"; an unreachable agent throws as `request` does.
   */
  async stream(
    path: string,
    request: Pick<NomadRequest, "query" | "scope">,
    signal: AbortSignal,
  ): Promise<NomadStream> {
    const { url, headers } = this.target(path, request);
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url, { headers, dispatcher: this.dispatcher, signal });
    } catch (error) {
      throw this.unreachable(`GET ${url.pathname}`, error, 0);
    }
    if (response.ok && response.body) return { ok: true, chunks: response.body };
    const reason = this.scrub((await response.text().catch(() => "")).trim().slice(0, 300)) || "(empty body)";
    return { ok: false, status: response.status, reason };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private target(path: string, request: NomadRequest): { url: URL; headers: Record<string, string> } {
    const url = new URL(`${this.where}${path}`);
    for (const [name, value] of Object.entries(this.scopeQuery(request.scope)))
      url.searchParams.set(name, value);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {};
    if (this.config.token) headers["X-Nomad-Token"] = this.config.token;
    return { url, headers };
  }

  private scopeQuery(scope: NomadScope = {}): Record<string, string> {
    const namespace = scope.namespace ?? this.config.namespace;
    const region = scope.region ?? this.config.region;
    return {
      ...(namespace === undefined ? {} : { namespace }),
      ...(region === undefined ? {} : { region }),
    };
  }

  private unreachable(operation: string, error: unknown, timeoutMs: number): Error {
    const prefix = `Nomad at ${this.where}: ${operation}`;
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return new UpstreamUnavailableError("nomad", `${prefix} timed out after ${timeoutMs} ms`);
    }
    // undici reports "fetch failed" and hides the reason (ECONNREFUSED, TLS…) in `cause`.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = (cause as { code?: string } | undefined)?.code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const detail = code && !reason.includes(code) ? `${code} ${reason}` : reason;
    return new UpstreamUnavailableError("nomad", `${prefix} unreachable: ${this.scrub(detail)}`);
  }

  /**
   * 5xx, 429 and ACL refusals mean "Nomad cannot do this for us now" (the caller may retry, /readyz
   * fails); 404 is a missing object; 400 is a request that can never succeed as sent.
   */
  private failure(operation: string, status: number, body: string): Error {
    const reason = this.scrub(body.trim().slice(0, 300)) || "(empty body)";
    const prefix = `Nomad at ${this.where}: ${operation}`;
    if (status >= 500 || status === 429) {
      return new UpstreamUnavailableError("nomad", `${prefix} failed: HTTP ${status} ${reason}`);
    }
    if (status === 401 || status === 403) {
      const hint = "check the Nomad token's ACL policy";
      return new UpstreamUnavailableError("nomad", `${prefix} refused: HTTP ${status} ${reason} (${hint})`);
    }
    if (status === 404) return new NotFoundError(`${prefix}: ${reason}`);
    if (status === 400) return new ValidationError(`${prefix} rejected: ${reason}`);
    return new Error(`${prefix} rejected: HTTP ${status} ${reason}`);
  }

  private scrub(text: string): string {
    return this.config.token ? text.split(this.config.token).join("[redacted]") : text;
  }
}

/** One path segment of a Nomad URL (a job or allocation ID may hold `/` or spaces). */
export function enc(id: string): string {
  return encodeURIComponent(id);
}

/** The answer, or undefined when Nomad says 404 (no such job, allocation, deployment…). */
export async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
