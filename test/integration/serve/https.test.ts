import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/core/logger.js";
import { startRuntime, type Runtime } from "../../../src/runtime/runtime.js";
import { loadTestConfig } from "../../helpers/tagroll.js";

/** `tagroll serve` speaks HTTPS when a certificate and key are configured (README, "Security model": TLS). */
describe("serve over HTTPS", () => {
  const dir = mkdtempSync(join(tmpdir(), "tagroll-tls-"));
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  let runtime: Runtime;

  beforeAll(async () => {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    const files = { [cert]: readFileSync(cert, "utf8"), [key]: readFileSync(key, "utf8") };
    const loaded = loadTestConfig({
      yaml: `server:\n  tls:\n    certFile: ${cert}\n    keyFile: ${key}\nservices: []\n`,
      files,
    });
    runtime = await startRuntime({
      config: { ...loaded, server: { ...loaded.server, port: 0 } },
      log: createLogger({ level: "silent" }),
    });
  });

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves /healthz over TLS with the configured certificate, and not plain HTTP", async () => {
    expect(runtime.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${runtime.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      });
      req.on("error", reject);
      req.end();
    });
    expect(body).toBe('200 {"status":"ok"}');
    await expect(fetch(`${runtime.url.replace("https:", "http:")}/healthz`)).rejects.toThrow();
  });
});
