import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of Consul that a test can cut like a network fault: `pause()`
 * resets every open connection and stops listening (new connections are refused), `resume()`
 * listens again on the same port. Unlike restarting a dev agent, Consul keeps its data, so a test
 * can check afterwards that nothing was half-written.
 *
 * `cutOn(pattern)` arms a fault at one precise moment: the first request whose bytes match the
 * pattern is dropped before it reaches Consul and the proxy pauses, as if the network failed
 * exactly then.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private trigger: RegExp | undefined;
  /** Requests (first line) seen since start, for assertions and debugging. */
  readonly requestLines: string[] = [];

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port) }, 0);
    await proxy.resume();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get paused(): boolean {
    return this.server === undefined;
  }

  async resume(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address && typeof address === "object") this.port = address.port;
    this.server = server;
  }

  async pause(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Pause at the first request whose bytes match `pattern` (that request is never delivered). */
  cutOn(pattern: RegExp): void {
    this.trigger = pattern;
  }

  async close(): Promise<void> {
    this.trigger = undefined;
    await this.pause();
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    client.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      const line = /^(GET|PUT|POST|DELETE) \S+/m.exec(text)?.[0];
      if (line) this.requestLines.push(line);
      if (this.trigger?.test(text)) {
        this.trigger = undefined;
        void this.pause();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
  }
}
