import { EventEmitter } from "node:events";
import http from "node:http";
import https from "node:https";
import Consul from "consul";
import type { ConsulConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import type { ConsulRaw } from "./consul-raw.js";
import { toConsulError } from "./consul-error.js";
import { ConsulTxnClient } from "./consul-txn-client.js";

export interface ConsulConnectionOptions {
  /** Bound on every non-blocking request; default 10 s. */
  requestTimeoutMs?: number;
  /** Gets one `debug` line per request (operation, milliseconds, outcome). */
  logger?: Logger;
}

/**
 * papi (the HTTP layer under `consul`) aborts a request when its ctx emits `cancel`, and returns
 * `[response, body]` instead of `body` when `includeResponse` is set — how we read X-Consul-Index.
 */
export class ResponseContext extends EventEmitter {
  readonly includeResponse = true;
}

/**
 * One `consul` client for one agent address, shared by the KV store and the health reader.
 * TLS material goes into an https.Agent because the client's own TLS options are untyped; the
 * token and datacenter go into the client's defaults so every request carries them as headers/query.
 */
/**
 * Consul refuses more than `limits.http_max_conns_per_client` (default 200) connections from one
 * address with 429s; with 1,000 services adopting at once an uncapped agent opened ~200 (scale
 * benchmark). Requests beyond the cap queue instead. It stays above the KV watcher's 64 blocking
 * queries, which each hold a socket for minutes.
 */
const MAX_SOCKETS = 128;
/** Idle keep-alive sockets kept after a burst; the rest close instead of holding Consul slots. */
const MAX_FREE_SOCKETS = 16;

export class ConsulConnection {
  readonly client: ConsulRaw;
  /** The address as we print it in errors: no credentials, no token. */
  readonly where: string;
  readonly requestTimeoutMs: number;
  private readonly agent: http.Agent;
  private readonly token: string | undefined;
  private readonly log: Logger | undefined;
  private txnClient: ConsulTxnClient | undefined;

  constructor(
    private readonly config: ConsulConfig,
    options: ConsulConnectionOptions = {},
  ) {
    const url = parseConsulAddress(config.address);
    const path = url.pathname.replace(/\/+$/, "");
    this.where = `${url.protocol}//${url.host}${path}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.token = config.token;
    this.log = options.logger;
    this.agent =
      url.protocol === "https:"
        ? new https.Agent({
            keepAlive: true,
            maxSockets: MAX_SOCKETS,
            maxFreeSockets: MAX_FREE_SOCKETS,
            ...(config.caCert === undefined ? {} : { ca: config.caCert }),
            ...(config.clientCert === undefined ? {} : { cert: config.clientCert }),
            ...(config.clientKey === undefined ? {} : { key: config.clientKey }),
          })
        : new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS });
    const defaults: Record<string, string | number> = { timeout: this.requestTimeoutMs };
    if (config.token) defaults.token = config.token;
    if (config.datacenter) defaults.dc = config.datacenter;
    // `baseUrl` and `timeout` are accepted by the client (see consul/lib/consul.js) but missing
    // from its typings.
    const consulOptions = { baseUrl: `${this.where}/v1`, agent: this.agent, defaults };
    this.client = new Consul(
      consulOptions as ConstructorParameters<typeof Consul>[0],
    ) as unknown as ConsulRaw;
  }

  /**
   * Runs one request, turning every failure into a tagroll error: network trouble, timeouts and
   * 5xx become `UpstreamUnavailableError`; an abort through `signal` rethrows the signal's reason.
   */
  async call<T>(
    operation: string,
    request: (client: ConsulRaw) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await this.raw(operation, request);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.toError(operation, error);
    }
  }

  /** One request as `call` makes it, but a failure rethrows the client's own error (its status). */
  async raw<T>(operation: string, request: (client: ConsulRaw) => Promise<T>): Promise<T> {
    if (!this.log?.isLevelEnabled("debug")) return request(this.client);
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    try {
      const result = await request(this.client);
      this.log.debug({ consul: operation, ms: took() }, "consul call");
      return result;
    } catch (error) {
      this.log.debug(
        { consul: operation, ms: took(), error: (error as Error).message },
        "consul call failed",
      );
      throw error;
    }
  }

  /** The tagroll error for a failure of `operation` (see `toConsulError`). */
  toError(operation: string, error: unknown): Error {
    return toConsulError(error, { where: this.where, operation, token: this.token });
  }

  /**
   * Query options of a blocking query (Consul's "Blocking Queries"): none for an index below 1,
   * which must read without blocking. Consul adds up to wait/16 of jitter, so the socket timeout
   * is the wait plus that plus the normal request bound.
   */
  blocking(index: number, waitMs: number): { index?: string; wait?: string; timeout?: number } {
    if (index < 1) return {};
    return {
      index: String(Math.floor(index)),
      wait: `${Math.max(1, Math.ceil(waitMs))}ms`,
      timeout: waitMs + waitMs / 16 + this.requestTimeoutMs,
    };
  }

  /** The transaction client for this agent, made on first use (webhook ingest only). */
  txn(): ConsulTxnClient {
    this.txnClient ??= new ConsulTxnClient(this.config, this.where, this.requestTimeoutMs);
    return this.txnClient;
  }

  /** Closes the keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
    void this.txnClient?.close();
  }
}

/** Accepts `host:port` as CONSUL_HTTP_ADDR does, defaulting to plain HTTP. */
export function parseConsulAddress(address: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
  const url = new URL(withScheme);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`Consul address must be http:// or https://, got ${url.protocol}`);
  }
  url.username = "";
  url.password = "";
  return url;
}
