import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestConfig, startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { requestKey } from "../../../src/state/kv-layout.js";
import { cleanService, deleteKeys, history, kvValue, snapshotSharedKeys } from "../ingress/kv-probe.js";
import { startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";
import {
  expectWritesNothing,
  postPush,
  registriesYaml,
  registryFindings,
  type HookReply,
} from "./push-calls.js";

/**
 * Webhooks for a service that pins digests and verifies cosign signatures, against a real
 * docker-registry with Basic auth, images pushed by skopeo and signed by the real cosign CLI.
 * Only a push signed by the configured key for that exact digest is written (tag and digest in
 * one transaction); everything else is answered 200 with the reason and writes nothing; a
 * registry that is down is a 503 (the sender retries) and writes nothing.
 */

const SERVICE = "sc-signed";
const TAG_KEY = `configs/${SERVICE}/IMAGE_TAG`;
const DIGEST_KEY = `configs/${SERVICE}/IMAGE_DIGEST`;
const KEY_FILE = "/virtual/tagroll/cosign.pub";

describe("signed pushes (docker-registry + skopeo + cosign)", () => {
  let dir: string;
  let reg: SigningRegistry;
  let tagroll: TestTagroll;
  let image: string;
  let keyA: { key: string; pem: string };
  let keyB: { key: string; pem: string };
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    dir = await mkdtemp(join(tmpdir(), "tagroll-supply-"));
    reg = await startSigningRegistry(dir);
    image = reg.image("signed-web");
    [keyA, keyB] = await Promise.all([reg.keyPair("a"), reg.keyPair("b")]);
    tagroll = await startTagroll({
      yaml: [
        ...registriesYaml(reg.port, USER),
        "services:",
        `  - name: ${SERVICE}`,
        `    image: ${image}`,
        "    source: generic",
        "    policy: { order: semver }",
        `    verify: { cosignPublicKey: ${KEY_FILE} }`,
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
      files: { [KEY_FILE]: keyA.pem },
    });
  });

  afterAll(async () => {
    await tagroll?.close();
    await reg?.stop();
    await cleanService(SERVICE, TAG_KEY);
    // cleanService removes the whole configs/<service>/ folder, IMAGE_DIGEST included.
    await deleteKeys([requestKey(SERVICE)]);
    await shared?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function hook(tag: string): Promise<HookReply> {
    return postPush(await tagroll.mintUrl(SERVICE), image, tag);
  }

  const writesNothing = (action: () => Promise<void>) =>
    expectWritesNothing(SERVICE, [TAG_KEY, DIGEST_KEY], action);

  it("a push signed with the configured key deploys: KV holds the tag and its digest", async () => {
    const digest = await reg.push(image, "1.0.0");
    await reg.sign(image, digest, keyA.key);
    const reply = await hook("1.0.0");
    expect(reply).toMatchObject({ status: 202, body: { status: "accepted", tag: "1.0.0", digest } });
    expect(await kvValue(TAG_KEY)).toBe("1.0.0");
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
    expect((await history(SERVICE)).at(-1)).toMatchObject({ kind: "push", tag: "1.0.0", digest });
  });

  it("an unsigned image is refused with 200 and nothing is written", async () => {
    await reg.push(image, "1.1.0");
    await writesNothing(async () => {
      const reply = await hook("1.1.0");
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: "unverified", refused: "unsigned" });
      expect(String(reply.body["reason"])).toMatch(/no cosign signature/);
    });
  });

  it("an image signed with another key is refused", async () => {
    const digest = await reg.push(image, "1.2.0");
    await reg.sign(image, digest, keyB.key);
    await writesNothing(async () => {
      const reply = await hook("1.2.0");
      expect(reply).toMatchObject({ status: 200, body: { status: "unverified", refused: "wrong_key" } });
    });
  });

  it("a valid signature of another digest, attached to this one, is refused", async () => {
    const signed = await reg.push(image, "1.3.0-signed");
    await reg.sign(image, signed, keyA.key);
    const digest = await reg.push(image, "1.3.0");
    // The signature manifest of `signed`, re-tagged as if it were the signature of `digest`.
    await reg.copy(image, `${signed.replace(":", "-")}.sig`, `${digest.replace(":", "-")}.sig`);
    await writesNothing(async () => {
      const reply = await hook("1.3.0");
      expect(reply).toMatchObject({ status: 200, body: { status: "unverified", refused: "other_image" } });
      expect(String(reply.body["reason"])).toContain(signed);
    });
  });

  it("a tag re-pushed with new content is a new desired value; the same digest again is a duplicate", async () => {
    const digest = await reg.push(image, "1.0.0");
    await reg.sign(image, digest, keyA.key);
    expect(digest).not.toBe(await kvValue(DIGEST_KEY));
    const reply = await hook("1.0.0");
    expect(reply).toMatchObject({ status: 202, body: { status: "accepted", tag: "1.0.0", digest } });
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
    expect((await history(SERVICE)).at(-1)).toMatchObject({ tag: "1.0.0", digest, previous: "1.0.0" });
    // The tag key keeps its value, so the same transaction asked the coordinator for a rolling
    // restart onto the new digest.
    expect(JSON.parse((await kvValue(requestKey(SERVICE))) ?? "{}")).toMatchObject({
      kind: "restart",
      by: "digest",
    });
    await writesNothing(async () => {
      expect(await hook("1.0.0")).toMatchObject({ status: 200, body: { status: "duplicate" } });
    });
  });

  it("registry down: 503 so the sender retries, nothing written; back up: the retry deploys", async () => {
    const digest = await reg.push(image, "1.4.0");
    await reg.sign(image, digest, keyA.key);
    await reg.stop();
    try {
      await writesNothing(async () => {
        const reply = await hook("1.4.0");
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ error: "registry_unavailable" });
      });
    } finally {
      await reg.restart();
    }
    expect(await hook("1.4.0")).toMatchObject({ status: 202, body: { tag: "1.4.0", digest } });
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
  });

  it("tagroll check says what is wrong with a registry: auth, unknown repository, missing signature", async () => {
    const check = async (options: { password?: string; repo?: string; key?: string }) => {
      const config = loadTestConfig({
        yaml: [
          "registries:",
          `  - { host: "127.0.0.1:${reg.port}", insecure: true, username: ${USER}, passwordEnv: TEST_REGISTRY_PASSWORD }`,
          "services:",
          `  - name: ${SERVICE}`,
          `    image: ${options.repo ?? image}`,
          `    verify: { cosignPublicKey: ${KEY_FILE} }`,
          "",
        ].join("\n"),
        env: { TEST_REGISTRY_PASSWORD: options.password ?? reg.password },
        files: { [KEY_FILE]: options.key ?? keyA.pem },
      });
      return registryFindings(config);
    };
    expect(await kvValue(TAG_KEY)).toBe("1.4.0");
    expect(await check({})).toEqual([]);
    expect(await check({ password: "wrong" })).toEqual([expect.stringMatching(/^registry: auth: .*refused/)]);
    expect(await check({ repo: reg.image("nothing-here") })).toEqual([
      expect.stringMatching(/^registry: unknown repository demo\/nothing-here/),
    ]);
    expect(await check({ key: keyB.pem })).toEqual([
      expect.stringMatching(
        /^registry: current tag 1\.4\.0: .*does not verify with any configured public key/,
      ),
    ]);
  });

  it("never logs the registry password", () => {
    expect(tagroll.logs().filter((line) => line.includes(reg.password))).toEqual([]);
    expect(tagroll.linesWithTokens()).toEqual([]);
  });
});
