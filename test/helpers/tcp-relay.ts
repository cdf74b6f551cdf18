import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Transform } from "node:stream";

/**
 * A loopback TCP relay in front of an agent, so a test can drop every connection through it at
 * once (`cut`: the listener stays, new connections get through) as a network blip or an agent
 * restart would, or keep the agent out of reach for a while (`hold` until `release`), or drop
 * only the connections that send one kind of request (`refuse`), as a proxy failing some paths would.
 */
export class CuttableRelay {
  private server: Server | undefined;
  private readonly live = new Set<Socket>();
  /** Connections accepted so far. */
  accepted = 0;
  private held = false;
  private refused: RegExp | undefined;
  /** Connections dropped by `refuse` so far. */
  refusals = 0;

  constructor(private readonly target: URL) {}

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("relay not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => {
      if (this.held) {
        client.destroy();
        return;
      }
      this.accepted++;
      const upstream = createConnection(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.live.add(socket);
        socket.on("close", () => this.live.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(this.requestFilter(client, upstream)).pipe(upstream).pipe(client);
    });
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => done());
    });
    this.server = server;
  }

  /** Destroys every open connection; returns how many there were. */
  cut(): number {
    const count = this.live.size;
    for (const socket of this.live) socket.destroy();
    return count;
  }

  /** Drops every connection and every new one until `release`, as an unreachable agent would. */
  hold(): void {
    this.held = true;
    this.cut();
  }

  release(): void {
    this.held = false;
  }

  /**
   * From now on, drops a connection as soon as it sends data matching `pattern` (an HTTP request
   * line: `/^GET \/v1\/allocations\b/`), before the agent sees it; `undefined` stops that.
   */
  refuse(pattern: RegExp | undefined): void {
    this.refused = pattern;
  }

  private requestFilter(client: Socket, upstream: Socket): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        if (this.refused?.test(chunk.toString("latin1"))) {
          this.refusals++;
          client.destroy();
          upstream.destroy();
          done();
          return;
        }
        done(null, chunk);
      },
    });
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server = undefined;
  }
}
