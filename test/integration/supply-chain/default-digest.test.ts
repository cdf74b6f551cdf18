import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { requestKey } from "../../../src/state/kv-layout.js";
import {
  cleanService,
  deleteKeys,
  history,
  kvValue,
  modifyIndex,
  snapshotSharedKeys,
} from "../ingress/kv-probe.js";
import { startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";
import { expectWritesNothing, postPush, registriesYaml, type HookReply } from "./push-calls.js";

/**
 * Digest pinning is the default (README, "Supply chain"): a service that says nothing about
 * digests gets `IMAGE_DIGEST` beside `IMAGE_TAG`, in the same Consul transaction, for every
 * accepted push — resolved by a manifest HEAD against a real docker-registry (Basic auth, images
 * pushed by skopeo) or taken from the payload. A registry tagroll cannot reach is a 503 that says
 * what to fix, and nothing is written.
 */

const SERVICE = "sc-default";
const TAG_KEY = `configs/${SERVICE}/IMAGE_TAG`;
const DIGEST_KEY = `configs/${SERVICE}/IMAGE_DIGEST`;

describe("digest pinned by default (docker-registry + skopeo)", () => {
  let dir: string;
  let reg: SigningRegistry;
  let tagroll: TestTagroll;
  let image: string;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    await cleanService(SERVICE, TAG_KEY);
    dir = await mkdtemp(join(tmpdir(), "tagroll-default-digest-"));
    reg = await startSigningRegistry(dir);
    image = reg.image("plain-web");
    tagroll = await startTagroll({
      yaml: [
        ...registriesYaml(reg.port, USER),
        "services:",
        `  - name: ${SERVICE}`,
        `    image: ${image}`,
        "    source: generic",
        "    policy: { order: semver }",
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
      // The default itself is under test: no `digest: false` from tag-only.ts.
      pinDigests: true,
    });
  });

  afterAll(async () => {
    await tagroll?.close();
    await reg?.stop();
    await cleanService(SERVICE, TAG_KEY);
    await deleteKeys([requestKey(SERVICE)]);
    await shared?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function hook(tag: string, digest?: string): Promise<HookReply> {
    const url = await tagroll.mintUrl(SERVICE);
    if (digest === undefined) return postPush(url, image, tag);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ image, tag, digest }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const writesNothing = (action: () => Promise<void>) =>
    expectWritesNothing(SERVICE, [TAG_KEY, DIGEST_KEY], action);

  it("a service with no supply-chain settings pins the digest the registry answers, in the tag's transaction", async () => {
    expect(tagroll.config.services[0]?.supplyChain?.digestKey).toBe(DIGEST_KEY);
    const digest = await reg.push(image, "1.0.0");
    const reply = await hook("1.0.0");
    expect(reply).toMatchObject({ status: 202, body: { status: "accepted", tag: "1.0.0", digest } });
    expect(await kvValue(TAG_KEY)).toBe("1.0.0");
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
    // One Consul transaction: both keys carry its index.
    expect(await modifyIndex(DIGEST_KEY)).toBe(await modifyIndex(TAG_KEY));
    expect((await history(SERVICE)).at(-1)).toMatchObject({ kind: "push", tag: "1.0.0", digest });
  });

  it("a payload that carries a digest is written as sent, without asking the registry", async () => {
    const digest = await reg.push(image, "1.1.0");
    await reg.stop();
    try {
      const reply = await hook("1.1.0", digest);
      expect(reply).toMatchObject({ status: 202, body: { status: "accepted", tag: "1.1.0", digest } });
    } finally {
      await reg.restart();
    }
    expect(await kvValue(TAG_KEY)).toBe("1.1.0");
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
    expect(await modifyIndex(DIGEST_KEY)).toBe(await modifyIndex(TAG_KEY));
  });

  it("registry down: 503 naming the registry and what to configure, nothing written; back up: the retry deploys", async () => {
    const digest = await reg.push(image, "1.2.0");
    await reg.stop();
    try {
      await writesNothing(async () => {
        const reply = await hook("1.2.0");
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ error: "registry_unavailable" });
        const message = String(reply.body["message"]);
        expect(message).toContain(`127.0.0.1:${reg.port}`);
        expect(message).toContain('"registries"');
        expect(message).toContain(`"digest: false" on service ${SERVICE}`);
        expect(message).not.toContain(reg.password);
      });
    } finally {
      await reg.restart();
    }
    expect(await hook("1.2.0")).toMatchObject({ status: 202, body: { tag: "1.2.0", digest } });
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
  });

  it("a tag the registry does not know is refused with 200 and the reason; nothing written", async () => {
    await writesNothing(async () => {
      const reply = await hook("9.9.9");
      expect(reply).toMatchObject({ status: 200, body: { status: "unverified", refused: "not_found" } });
      expect(String(reply.body["reason"])).toContain("9.9.9");
    });
  });

  it("never logs the registry password", () => {
    expect(tagroll.logs().filter((line) => line.includes(reg.password))).toEqual([]);
  });
});
