import { UpstreamUnavailableError } from "../core/errors.js";

/** What papi (the `consul` client's HTTP layer) puts on the errors it raises. */
interface PapiErrorShape {
  message?: string;
  code?: string;
  isResponse?: boolean;
  isTimeout?: boolean;
  isValidation?: boolean;
  statusCode?: number;
}

export interface ConsulErrorContext {
  /** Agent address without credentials. */
  where: string;
  /** e.g. "kv.get configs/web/IMAGE_TAG". */
  operation: string;
  /** Scrubbed from the message in case a proxy echoes it back. */
  token: string | undefined;
}

/**
 * Maps a failure of the `consul` client to a tagroll error whose message says which agent failed
 * and why. Network errors, timeouts, 5xx, 429 and ACL refusals (401/403) are "unavailable": the
 * webhook sender should retry later and /readyz should fail. Other 4xx are programming errors.
 * The client's error is deliberately not kept as `cause`: it holds the request, token header
 * included, and a logger serialising causes would print it.
 */
export function toConsulError(error: unknown, context: ConsulErrorContext): Error {
  const shape: PapiErrorShape = typeof error === "object" && error !== null ? (error as PapiErrorShape) : {};
  // papi prefixes messages with "consul: <request name>: "; we say that ourselves.
  const raw = String(shape.message ?? error).replace(/^(consul: )?[\w.]+: /, "");
  const reason = scrub(raw, context.token);
  const prefix = `Consul at ${context.where}: ${context.operation}`;

  if (shape.isValidation) return new Error(`${prefix}: ${reason}`);
  if (shape.isResponse) {
    const status = shape.statusCode ?? 0;
    if (status >= 500 || status === 429) {
      return new UpstreamUnavailableError("consul", `${prefix} failed: HTTP ${status} ${reason}`);
    }
    if (status === 401 || status === 403) {
      const hint = "check the Consul token's ACL policy";
      return new UpstreamUnavailableError("consul", `${prefix} refused: HTTP ${status} ${reason} (${hint})`);
    }
    return new Error(`${prefix} rejected: HTTP ${status} ${reason}`);
  }
  if (shape.isTimeout) {
    return new UpstreamUnavailableError("consul", `${prefix} timed out: ${reason}`);
  }
  const code = shape.code && !reason.includes(shape.code) ? `${shape.code} ` : "";
  return new UpstreamUnavailableError("consul", `${prefix} unreachable: ${code}${reason}`);
}

function scrub(text: string, token: string | undefined): string {
  return token ? text.split(token).join("[redacted]") : text;
}
