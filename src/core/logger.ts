import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Paths that could carry a webhook token or a credential. The access log prints the route
 * pattern, never the path, so `/hooks/<token>` cannot leak; these are the belt to that brace.
 */
const REDACT = [
  "req.url",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-consul-token"]',
  'req.headers["x-nomad-token"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-jfrog-event-auth"]',
  "token",
  "*.token",
];

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { level: options.level ?? "info", redact: { paths: REDACT, censor: "[redacted]" } },
    options.destination,
  );
}
