import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../src/agents/free-port.js";

const script = fileURLToPath(new URL("../../../deploy/docker/healthcheck.mjs", import.meta.url));

/** Runs the image's HEALTHCHECK command the way Docker does: only the exit code counts. */
function runHealthcheck(env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

let server: Server | undefined;
const paths: string[] = [];

async function serve(status: number): Promise<number> {
  server = createServer((req, res) => {
    paths.push(req.url ?? "");
    res.writeHead(status, { "content-type": "application/json" }).end('{"status":"x"}');
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  paths.length = 0;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe("deploy/docker/healthcheck.mjs", () => {
  it("exits 0 when GET /healthz answers 200", async () => {
    const port = await serve(200);
    expect(await runHealthcheck({ TAGROLL_PORT: String(port) })).toBe(0);
    expect(paths).toEqual(["/healthz"]);
  });

  it("exits 1 when /healthz answers anything else", async () => {
    const port = await serve(503);
    expect(await runHealthcheck({ TAGROLL_PORT: String(port), TAGROLL_HOST: "0.0.0.0" })).toBe(1);
    expect(paths).toEqual(["/healthz"]);
  });

  it("exits 1 when nothing listens", async () => {
    const port = await freePort();
    expect(await runHealthcheck({ TAGROLL_PORT: String(port) })).toBe(1);
  });

  it("probes the address tagroll is bound to when TAGROLL_HOST names one", async () => {
    const port = await serve(200);
    // 127.0.0.2 is loopback too, but the server listens on 127.0.0.1 only: refused.
    expect(await runHealthcheck({ TAGROLL_PORT: String(port), TAGROLL_HOST: "127.0.0.2" })).toBe(1);
    expect(await runHealthcheck({ TAGROLL_PORT: String(port), TAGROLL_HOST: "127.0.0.1" })).toBe(0);
  });
});
