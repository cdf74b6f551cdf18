import type { DestinationStream } from "pino";
import { prettyFactory } from "pino-pretty";

/**
 * Everything `tagroll dev` prints, its own lines and tagroll's log lines alike, human-readable.
 * Printing must never stop the shutdown: when the reader is gone (`tagroll dev | tee dev.log`
 * whose tee died with the terminal: EPIPE; a closed terminal: EIO) the streams report an error,
 * which is noted here, and from then on lines are dropped instead of written.
 */
export class DevOutput {
  private readonly gone = new Set<NodeJS.WritableStream>();

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {
    for (const stream of [out, err]) stream.on("error", () => this.gone.add(stream));
  }

  /** A line as is (the curl, the export line). */
  line(text: string): void {
    this.write(this.out, text);
  }

  /** A `[dev]` status line. */
  say(text: string): void {
    this.write(this.out, `[dev] ${text}`);
  }

  /** An error, on stderr. */
  error(text: string): void {
    this.write(this.err, `[dev] ${text}`);
  }

  /** A pino destination that prints each log record as one readable line among the others. */
  logDestination(): DestinationStream {
    const pretty = prettyFactory({
      colorize: false,
      singleLine: true,
      ignore: "pid,hostname,err.stack",
      errorLikeObjectKeys: [],
      translateTime: "SYS:HH:MM:ss",
    });
    return { write: (record: string) => this.write(this.out, `[log] ${pretty(record).trimEnd()}`) };
  }

  private write(stream: NodeJS.WritableStream, text: string): void {
    if (this.gone.has(stream)) return;
    try {
      stream.write(`${text}\n`);
    } catch {
      // A synchronous EPIPE/EIO (files and TTYs report them at once): stop writing there.
      this.gone.add(stream);
    }
  }
}
