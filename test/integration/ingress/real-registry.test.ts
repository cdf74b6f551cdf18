import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../src/agents/free-port.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, history, kvValue, modifyIndex, snapshotSharedKeys } from "./kv-probe.js";
import { writeOciLayout } from "./oci-layout.js";
import { startRegistry, skopeo, type Registry } from "./registry-process.js";

/**
 * A real Docker Distribution registry (Debian `docker-registry`) whose `notifications` endpoint
 * is a tagroll webhook URL. skopeo pushes an OCI image built by the test; the KV value changes
 * from the registry's own delivery (blob pushes in between are answered 200 and ignored). A pull
 * afterwards makes the registry deliver pull events, which change nothing.
 */

const SERVICE = "reg-web";
const KEY = `configs/${SERVICE}/IMAGE_TAG`;
const AUTH = "Bearer registry-notify-secret";
/** The registry delivers asynchronously, from an in-memory queue with retries. */
const DELIVERY = { timeoutMs: 60_000, intervalMs: 250 };

describe("real registry notifications (docker-registry + skopeo)", () => {
  let dir: string;
  let tagroll: TestTagroll;
  let registry: Registry;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;
  let image: string;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    dir = await mkdtemp(join(tmpdir(), "tagroll-registry-"));
    const port = await freePort();
    // Distribution names the repository without a host; tagroll qualifies it with the Host the
    // client used (request.host), so the service's image carries the registry's address.
    image = `127.0.0.1:${port}/demo/web`;
    tagroll = await startTagroll({
      yaml: `services:\n  - name: ${SERVICE}\n    image: ${image}\n    policy: { order: semver }\n`,
      env: { TAGROLL_SECRET_REG_WEB_DISTRIBUTION: AUTH },
    });
    registry = await startRegistry({
      dir,
      port,
      notifyUrl: await tagroll.mintUrl(SERVICE),
      authorization: AUTH,
    });
  });

  afterAll(async () => {
    await registry?.stop();
    await tagroll?.close();
    await cleanService(SERVICE, KEY);
    await shared?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function push(tag: string): Promise<void> {
    const layout = join(dir, `layout-${tag}`);
    await writeOciLayout(layout, tag);
    await skopeo("copy", "--dest-tls-verify=false", `oci:${layout}:${tag}`, `docker://${image}:${tag}`);
  }

  /** Ingress log lines for this service, parsed. */
  const webhookLines = () =>
    tagroll
      .logs()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["msg"] === "webhook" && entry["service"] === SERVICE);

  it("a push by skopeo sets the tag in KV through the registry's own notification", async () => {
    await push("1.0.0");
    await waitFor("KV to hold 1.0.0", async () => (await kvValue(KEY)) === "1.0.0", DELIVERY);
    expect((await history(SERVICE)).at(-1)).toMatchObject({
      kind: "push",
      tag: "1.0.0",
      source: "distribution",
    });
    // The blobs pushed before the manifest were delivered too, and answered 200 as ignored.
    await waitFor(
      "blob events",
      async () => webhookLines().some((l) => String(l["reasons"]).includes("blob push")),
      DELIVERY,
    );

    await push("1.1.0");
    await waitFor("KV to hold 1.1.0", async () => (await kvValue(KEY)) === "1.1.0", DELIVERY);
    // The history entry is a second write after the tag's (the test sees KV, not the 202 the
    // registry got), so it may land a moment later.
    await waitFor("history to list 1.1.0", async () => (await history(SERVICE)).length === 2, DELIVERY);
    expect((await history(SERVICE)).map((e) => e.tag)).toEqual(["1.0.0", "1.1.0"]);
  });

  it("pulling from the registry changes nothing", async () => {
    const index = await modifyIndex(KEY);
    const entries = await history(SERVICE);
    const pullsBefore = webhookLines().filter((l) => String(l["reasons"]).includes("pull event")).length;

    const inspected = JSON.parse(
      await skopeo("inspect", "--tls-verify=false", `docker://${image}:1.0.0`),
    ) as {
      Digest: string;
    };
    expect(inspected.Digest).toMatch(/^sha256:/);
    await skopeo(
      "copy",
      "--src-tls-verify=false",
      `docker://${image}:1.0.0`,
      `oci:${join(dir, "pulled")}:1.0.0`,
    );

    // Wait until the registry has delivered the pull events, so the check below is not vacuous.
    await waitFor(
      "pull events to reach tagroll",
      async () =>
        webhookLines().filter((l) => String(l["reasons"]).includes("pull event")).length > pullsBefore,
      DELIVERY,
    );
    expect(await modifyIndex(KEY)).toBe(index);
    expect(await kvValue(KEY)).toBe("1.1.0");
    expect(await history(SERVICE)).toEqual(entries);
  });

  it("every delivery from the registry was accepted by tagroll (no 4xx/5xx to retry)", async () => {
    const hooks = tagroll
      .logs()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["msg"] === "request" && entry["route"] === "/hooks/:token");
    expect(hooks.length).toBeGreaterThan(4);
    expect(hooks.filter((h) => Number(h["status"]) >= 300)).toEqual([]);
    // The registry itself logs its endpoint URLs (see the README); tagroll must not.
    expect(tagroll.linesWithTokens()).toEqual([]);
  });
});
