#!/usr/bin/env node
// The tagroll demo application: a dependency-free HTTP server that reports the IMAGE_TAG it was
// started with. Tags containing "broken" fail /health, so a rollout of such a tag must revert.
import { createServer } from "node:http";

const tag = process.env.IMAGE_TAG ?? "unset";
// Set when the service pins digests (README, "Supply chain"): a re-pushed tag changes only this.
const digest = process.env.IMAGE_DIGEST ?? null;
const port = Number(process.env.NOMAD_PORT_http ?? process.env.PORT ?? 8080);
const host = process.env.NOMAD_IP_http ?? process.env.HOST ?? "127.0.0.1";
const startupDelayMs = Number(process.env.STARTUP_DELAY_MS ?? 0);
const startedAt = new Date().toISOString();
const healthy = !tag.includes("broken");

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/health") {
    res.writeHead(healthy ? 200 : 500, { "content-type": "text/plain" });
    res.end(healthy ? "ok\n" : `unhealthy: tag ${tag} is broken\n`);
    return;
  }
  if (path === "/slow") {
    // A request that takes a while (default 1 s), to show in-flight requests survive a restart.
    const ms = Math.min(Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? 1000), 30_000);
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ tag, pid: process.pid, tookMs: ms }) + "\n");
    }, ms);
    return;
  }
  if (path === "/") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        tag,
        digest,
        pid: process.pid,
        startedAt,
        alloc: process.env.NOMAD_ALLOC_ID ?? null,
      }) + "\n",
    );
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found\n");
});

// Finish in-flight requests on SIGTERM/SIGINT instead of dropping them: stop accepting, close
// idle keep-alive connections, and exit once the last request is answered (or after 3 s).
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

setTimeout(() => {
  server.listen(port, host, () => console.log(`demo app tag=${tag} listening on ${host}:${port}`));
}, startupDelayMs);
