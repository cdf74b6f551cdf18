import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { ServerConfig } from "../config/types.js";

/** HTTPS when a certificate and key are configured, plain HTTP otherwise (behind a proxy). */
export async function listen(
  server: ServerConfig,
  app: RequestListener,
): Promise<{ server: Server; url: string }> {
  const s: Server = server.tls
    ? createHttpsServer({ cert: server.tls.cert, key: server.tls.key }, app)
    : createHttpServer(app);
  // Registries give up on slow receivers; never hold a socket forever either.
  s.requestTimeout = 30_000;
  s.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen(server.port, server.host, () => {
      s.off("error", reject);
      resolve();
    });
  });
  const address = s.address();
  const port = typeof address === "object" && address ? address.port : server.port;
  const host = server.host === "0.0.0.0" || server.host === "::" ? "127.0.0.1" : server.host;
  return { server: s, url: `${server.tls ? "https" : "http"}://${host}:${port}` };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
