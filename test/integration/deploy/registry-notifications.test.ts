import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { freePorts } from "../../../src/agents/free-port.js";
import { runCommand } from "../../../src/agents/run-command.js";
import { waitFor } from "../../helpers/cluster.js";
import { writeOciLayout } from "./oci-layout.js";

/**
 * deploy/registry/config.yml run by a real Docker Distribution (Debian's docker-registry 2.8)
 * with only the addresses changed: images pushed with skopeo must reach the webhook URL with the
 * configured header; the blob and pull events the config filters out must not.
 */
const configFile = fileURLToPath(new URL("../../../deploy/registry/config.yml", import.meta.url));

interface Delivery {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  events: Array<{
    action: string;
    target: { mediaType: string; repository: string; tag?: string; digest: string };
  }>;
}

describe("deploy/registry/config.yml with a real registry:2", () => {
  const deliveries: Delivery[] = [];
  let dir = "";
  let registry: ChildProcess | undefined;
  let hooks: Server | undefined;
  let registryAddr = "";
  let authorization = "";
  let manifestDigest = "";

  const events = () => deliveries.flatMap((d) => d.events);
  const tagged = () => events().filter((e) => e.action === "push" && e.target.tag);
  const push = (tag: string) =>
    runCommand(
      "skopeo",
      [
        "--insecure-policy",
        "copy",
        "--dest-tls-verify=false",
        `oci:${join(dir, "image")}:v1`,
        `docker://${registryAddr}/acme/web:${tag}`,
      ],
      { timeoutMs: 60_000 },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tagroll-registry-"));
    const [registryPort, hookPort] = await freePorts(2);
    hooks = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const { events } = JSON.parse(body) as Pick<Delivery, "events">;
        deliveries.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, events });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => hooks!.listen(hookPort, "127.0.0.1", resolve));

    const doc = parseDocument(await readFile(configFile, "utf8"));
    doc.setIn(["storage", "filesystem", "rootdirectory"], join(dir, "data"));
    doc.setIn(["http", "addr"], `127.0.0.1:${registryPort}`);
    doc.setIn(["notifications", "endpoints", 0, "url"], `http://127.0.0.1:${hookPort}/hooks/test-token`);
    authorization = String(doc.getIn(["notifications", "endpoints", 0, "headers", "Authorization", 0]));
    await writeFile(join(dir, "config.yml"), doc.toString());

    registryAddr = `127.0.0.1:${registryPort}`;
    registry = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: "ignore" });
    await waitFor("the registry to answer /v2/", async () => (await fetch(`http://${registryAddr}/v2/`)).ok, {
      timeoutMs: 30_000,
    });

    manifestDigest = await writeOciLayout(join(dir, "image"), "v1");
    await push("release-20260101000000");
    // A pull, then a second push: deliveries are queued in order, so once the second push has
    // arrived any event of the pull would have arrived too.
    const pulled = await fetch(`http://${registryAddr}/v2/acme/web/manifests/release-20260101000000`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(pulled.status).toBe(200);
    await push("release-20260102000000");
    await waitFor("both tagged pushes to be delivered", async () => tagged().length === 2 || undefined, {
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    registry?.kill("SIGTERM");
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("posts to the configured /hooks/ URL with the static Authorization header", () => {
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      expect(delivery.method).toBe("POST");
      expect(delivery.url).toBe("/hooks/test-token");
      expect(delivery.headers.authorization).toBe(authorization);
      expect(delivery.headers["content-type"]).toBe("application/vnd.docker.distribution.events.v1+json");
    }
  });

  it("delivers each manifest pushed by tag, with its repository and digest", () => {
    expect(tagged().map((e) => [e.target.repository, e.target.tag, e.target.digest])).toEqual([
      ["acme/web", "release-20260101000000", manifestDigest],
      ["acme/web", "release-20260102000000", manifestDigest],
    ]);
  });

  it("leaves out the layer and config blob events", () => {
    expect(events().length).toBeGreaterThan(0);
    expect(events().map((e) => e.target.mediaType)).not.toContain("application/octet-stream");
  });

  it("leaves out pull events", () => {
    expect(events().map((e) => e.action)).not.toContain("pull");
  });
});
