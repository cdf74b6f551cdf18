import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { RegistryClient } from "../../../src/registry/registry-client.js";
import { RegistryAuthError, RegistryRateLimitedError } from "../../../src/registry/registry-errors.js";
import { capturingLogger } from "../../helpers/tagroll.js";

/**
 * The Bearer token flow and 429 handling of RegistryClient against a small hand-written HTTP
 * server on loopback that answers like Distribution's token auth does (the real docker-registry
 * with Basic auth is exercised in test/integration/supply-chain/). It records each request.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server | undefined;

async function serve(handler: Handler): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe("RegistryClient", () => {
  it("answers a Bearer challenge with a token fetched using Basic credentials, and reuses it", async () => {
    const seen: string[] = [];
    const { log, lines } = capturingLogger();
    const host = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
      if (req.url?.startsWith("/token")) {
        const ok = req.headers.authorization === `Basic ${Buffer.from("ci:s3cret").toString("base64")}`;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
        return res.end(ok ? JSON.stringify({ token: "tok-123", expires_in: 300 }) : "{}");
      }
      if (req.headers.authorization !== "Bearer tok-123") {
        res.writeHead(401, {
          "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="reg",scope="repository:demo/web:pull"`,
        });
        return res.end();
      }
      res.writeHead(200, {
        "docker-content-digest": `sha256:${"c".repeat(64)}`,
        "content-type": "application/vnd.oci.image.index.v1+json",
      });
      res.end();
    });
    const client = new RegistryClient({
      host,
      insecure: true,
      credentials: { username: "ci", password: "s3cret" },
      clock: systemClock,
      log,
    });
    try {
      expect(await client.headManifest("demo/web", "1.0.0")).toEqual({
        digest: `sha256:${"c".repeat(64)}`,
        mediaType: "application/vnd.oci.image.index.v1+json",
      });
      await client.headManifest("demo/web", "1.1.0");
      expect(seen).toEqual([
        "HEAD /v2/demo/web/manifests/1.0.0 -",
        `GET /token?service=reg&scope=repository%3Ademo%2Fweb%3Apull Basic ${Buffer.from("ci:s3cret").toString("base64")}`,
        "HEAD /v2/demo/web/manifests/1.0.0 Bearer tok-123",
        "HEAD /v2/demo/web/manifests/1.1.0 Bearer tok-123",
      ]);
      expect(lines.filter((l) => l.includes("s3cret") || l.includes("tok-123"))).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("reports refused credentials at the token endpoint as an auth error", async () => {
    const host = await serve((req, res) => {
      if (req.url?.startsWith("/token")) return res.writeHead(401).end();
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="reg"`,
        })
        .end();
    });
    const client = new RegistryClient({
      host,
      insecure: true,
      credentials: { username: "ci", password: "bad" },
      clock: systemClock,
      log: capturingLogger().log,
    });
    try {
      await expect(client.listTags("demo/web")).rejects.toBeInstanceOf(RegistryAuthError);
    } finally {
      await client.close();
    }
  });

  it("surfaces 429 with Retry-After as a typed error, and follows tag pages", async () => {
    let calls = 0;
    const host = await serve((req, res) => {
      calls++;
      if (calls === 1) return res.writeHead(429, { "retry-after": "7" }).end();
      const last = new URL(req.url ?? "/", "http://x").searchParams.get("last");
      const page = last ? { tags: ["c"] } : { tags: ["a", "b"] };
      const link = last ? {} : { link: `</v2/demo/web/tags/list?last=b&n=2>; rel="next"` };
      res.writeHead(200, { "content-type": "application/json", ...link }).end(JSON.stringify(page));
    });
    const client = new RegistryClient({
      host,
      insecure: true,
      clock: systemClock,
      log: capturingLogger().log,
    });
    try {
      const error = await client.listTags("demo/web", 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryRateLimitedError);
      expect((error as RegistryRateLimitedError).retryAfterMs).toBe(7_000);
      expect((error as RegistryRateLimitedError).status).toBe(503);
      expect(await client.listTags("demo/web", 2)).toEqual(["a", "b", "c"]);
    } finally {
      await client.close();
    }
  });
});
