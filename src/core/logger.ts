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

/** The longest a log line waits in memory before it is written (README, "Logs"). */
export const LOG_FLUSH_MS = 100;

/**
 * Where `tagroll serve` writes its log: stdout by default, or a file. Lines gather in memory and go
 * out together, once 4 KiB are pending or LOG_FLUSH_MS after a line was logged, instead of one
 * write per line (pino's default blocking write, and even one asynchronous write per line, cost a
 * webhook more CPU than its Consul transaction; BENCHMARKS.md, "Ingest"). pino writes what is
 * pending when the process exits, also after an uncaught error; only a SIGKILL loses the last
 * LOG_FLUSH_MS of lines. sonic-boom's own `periodicFlush` is not used: it writes every period even
 * when nothing is pending.
 */
export function logDestination(dest: number | string = 1): DestinationStream {
  // `mkdir` only applies to a file path; sonic-boom ignores it for a descriptor.
  const stream = pino.destination({ dest, sync: false, minLength: 4096, mkdir: true });
  // One timer per batch of lines, none while nothing is logged: even an idle interval timer's
  // wake-ups cost a quiet process measurable CPU on a small VM (BENCHMARKS.md, "Scale").
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!(stream as { destroyed?: boolean }).destroyed) stream.flush();
  };
  const write = stream.write.bind(stream);
  stream.write = (line: string) => {
    timer ??= setTimeout(flush, LOG_FLUSH_MS).unref();
    return write(line);
  };
  return stream;
}

/** A logger with tagroll's redaction; without a destination it writes to logDestination(). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACT, censor: "[redacted]" },
      onChild: keepInnermostBindings,
    },
    options.destination ?? logDestination(),
  );
}

/**
 * A child that binds a key its parent bound already (`component: "coordinator"`, then
 * `component: "leader-election"`) would print the key twice in one JSON line — pino's "duplicate
 * keys caveat" (node_modules/pino/docs/child-loggers.md). Keep the innermost value only. Pino
 * keeps a logger's bindings as the JSON text it splices into every line (`,"k":v,…`), already
 * serialized and redacted, so a parse (the last duplicate wins) and a re-join is all it takes;
 * it runs once per child, never per line.
 */
function keepInnermostBindings(child: Logger): void {
  const holder = child as unknown as Record<symbol, string>;
  const text = holder[pino.symbols.chindingsSym];
  if (typeof text !== "string" || text === "") return;
  const bindings = JSON.parse(`{${text.slice(1)}}`) as Record<string, unknown>;
  const unique = Object.entries(bindings)
    .map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join("");
  if (unique.length !== text.length) holder[pino.symbols.chindingsSym] = unique;
}
