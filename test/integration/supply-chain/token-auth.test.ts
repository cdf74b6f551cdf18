import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestKey } from "../../../src/state/kv-layout.js";
import { consulAddr, nomadAddr } from "../../helpers/cluster.js";
import { loadTestConfig, newSigningKeys, startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { runCli, writeConfigDir } from "../../helpers/tagroll-cli.js";
import { cleanService, deleteKeys, kvValue, snapshotSharedKeys } from "../ingress/kv-probe.js";
import { newRegistryPassword, startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";
import { postPush, registryFindings, type HookReply } from "./push-calls.js";
import { startTokenIssuer, TOKEN_SERVICE, type TokenIssuer } from "./token-issuer.js";

/**
 * The Bearer token flow against a real docker-registry configured for token auth (distribution
 * "auth.token"), its tokens issued by a loopback token service (token-issuer.ts) that checks the
 * user's Basic credentials: tagroll resolves the digest and verifies the cosign signature through
 * it; wrong credentials give a clear error, in the webhook reply, in checkRegistries and in
 * `tagroll check`; neither the password nor a token is ever logged.
 */

const SERVICE = "sc-token";
const TAG_KEY = `configs/${SERVICE}/IMAGE_TAG`;
const DIGEST_KEY = `configs/${SERVICE}/IMAGE_DIGEST`;
const KEY_FILE = "/virtual/tagroll/cosign-token.pub";

describe("registry with token auth (docker-registry auth.token + loopback token service)", () => {
  let dir: string;
  let issuer: TokenIssuer;
  let reg: SigningRegistry;
  let tagroll: TestTagroll;
  let image: string;
  let signer: { key: string; pem: string };
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;
  const password = newRegistryPassword();

  const yaml = (o: { passwordLine: string; key?: string }) =>
    [
      "registries:",
      `  - { host: "127.0.0.1:${reg.port}", insecure: true, username: ${USER}, ${o.passwordLine} }`,
      "services:",
      `  - name: ${SERVICE}`,
      `    image: ${image}`,
      "    source: generic",
      "    policy: { order: semver }",
      `    verify: { cosignPublicKey: ${o.key ?? KEY_FILE} }`,
      "",
    ].join("\n");

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    dir = await mkdtemp(join(tmpdir(), "tagroll-token-"));
    issuer = await startTokenIssuer(dir, { name: USER, password });
    reg = await startSigningRegistry(dir, { password, token: issuer });
    image = reg.image("token-web");
    signer = await reg.keyPair("token");
    tagroll = await startTagroll({
      yaml: yaml({ passwordLine: "passwordEnv: TEST_REGISTRY_PASSWORD" }),
      env: { TEST_REGISTRY_PASSWORD: password },
      files: { [KEY_FILE]: signer.pem },
    });
  });

  afterAll(async () => {
    await tagroll?.close();
    await reg?.stop();
    await issuer?.stop();
    await cleanService(SERVICE, TAG_KEY);
    await deleteKeys([requestKey(SERVICE)]);
    await shared?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function hook(tagrollUnderTest: TestTagroll, tag: string): Promise<HookReply> {
    return postPush(await tagrollUnderTest.mintUrl(SERVICE), image, tag);
  }

  it("the registry really demands a token: no credentials and Basic credentials are both refused", async () => {
    const base = `http://127.0.0.1:${reg.port}/v2/demo/token-web/tags/list`;
    const anonymous = await fetch(base);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(new RegExp(`^Bearer realm="${issuer.realm}"`));
    const basic = Buffer.from(`${USER}:${password}`).toString("base64");
    expect((await fetch(base, { headers: { authorization: `Basic ${basic}` } })).status).toBe(401);
    // A token from the service is accepted; the same token with its claims altered is not: the
    // registry checks the signature against its rootcertbundle.
    const scope = "repository:demo/token-web:pull";
    const got = await fetch(`${issuer.realm}?service=${TOKEN_SERVICE}&scope=${scope}`, {
      headers: { authorization: `Basic ${basic}` },
    });
    const { token } = (await got.json()) as { token: string };
    const bearer = (t: string) => fetch(base, { headers: { authorization: `Bearer ${t}` } });
    expect([200, 404]).toContain((await bearer(token)).status);
    const [head, claims, signature] = token.split(".");
    const altered = JSON.parse(Buffer.from(claims!, "base64url").toString("utf8")) as { sub: string };
    altered.sub = "someone-else";
    const forged = [head, Buffer.from(JSON.stringify(altered)).toString("base64url"), signature].join(".");
    expect((await bearer(forged)).status).toBe(401);
  });

  it("a signed push deploys: digest resolved and signature verified through registry tokens", async () => {
    const digest = await reg.push(image, "2.0.0");
    await reg.sign(image, digest, signer.key);
    const asked = issuer.requests.length;
    const reply = await hook(tagroll, "2.0.0");
    expect(reply).toMatchObject({ status: 202, body: { status: "accepted", tag: "2.0.0", digest } });
    expect(await kvValue(TAG_KEY)).toBe("2.0.0");
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
    // tagroll itself went through the token service, as the configured user, for pull access.
    const mine = issuer.requests.slice(asked);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.status === 200 && r.account === USER)).toBe(true);
    expect(mine.flatMap((r) => r.scope)).toContain("repository:demo/token-web:pull");
  });

  it("an unsigned push through the same flow is refused, nothing written", async () => {
    await reg.push(image, "2.1.0");
    const reply = await hook(tagroll, "2.1.0");
    expect(reply).toMatchObject({ status: 200, body: { status: "unverified", refused: "unsigned" } });
    expect(await kvValue(TAG_KEY)).toBe("2.0.0");
  });

  it("wrong credentials: the webhook is a 503 naming the token endpoint's refusal, nothing written", async () => {
    const wrong = await startTagroll({
      yaml: yaml({ passwordLine: "passwordEnv: TEST_REGISTRY_PASSWORD" }),
      env: { TEST_REGISTRY_PASSWORD: "not-the-password" },
      files: { [KEY_FILE]: signer.pem },
    });
    try {
      const digest = await reg.push(image, "2.2.0");
      await reg.sign(image, digest, signer.key);
      const reply = await hook(wrong, "2.2.0");
      expect(reply.status).toBe(503);
      expect(JSON.stringify(reply.body)).toMatch(
        /token endpoint of 127\.0\.0\.1:\d+ refused the credentials of ci \(401\)/,
      );
      expect(await kvValue(TAG_KEY)).toBe("2.0.0");
      expect(wrong.logs().filter((line) => line.includes("not-the-password"))).toEqual([]);
    } finally {
      await wrong.close();
    }
  });

  it("checkRegistries: no finding with the right password, an auth finding with a wrong one", async () => {
    const check = async (secret: string) => {
      const config = loadTestConfig({
        yaml: yaml({ passwordLine: "passwordEnv: TEST_REGISTRY_PASSWORD" }),
        env: { TEST_REGISTRY_PASSWORD: secret },
        files: { [KEY_FILE]: signer.pem },
      });
      return registryFindings(config);
    };
    expect(await check(password)).toEqual([]);
    expect(await check("wrong")).toEqual([
      expect.stringMatching(
        /^registry: auth: token endpoint of 127\.0\.0\.1:\d+ refused the credentials of ci \(401\)/,
      ),
    ]);
  });

  it("`tagroll check` says so: exit 3 and the auth finding, the password nowhere in its output", async () => {
    const files = await writeConfigDir("");
    const pub = join(files.dir, "cosign.pub");
    const secret = join(files.dir, "registry-password");
    await writeFile(pub, signer.pem);
    await writeFile(secret, "wrong-password\n");
    await writeFile(files.file, yaml({ passwordLine: `passwordFile: ${secret}`, key: pub }));
    try {
      const result = await runCli(["check", "-c", files.file], {
        env: {
          CONSUL_HTTP_ADDR: consulAddr(),
          NOMAD_ADDR: nomadAddr(),
          TAGROLL_SIGNING_KEYS: newSigningKeys(),
        },
      });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toMatch(
        /auth: token endpoint of 127\.0\.0\.1:\d+ refused the credentials of ci \(401\)/,
      );
      expect(result.stdout + result.stderr).not.toContain("wrong-password");
      await writeFile(secret, `${password}\n`);
      const good = await runCli(["check", "-c", files.file], {
        env: {
          CONSUL_HTTP_ADDR: consulAddr(),
          NOMAD_ADDR: nomadAddr(),
          TAGROLL_SIGNING_KEYS: newSigningKeys(),
        },
      });
      expect(good.stdout).not.toMatch(/registry/);
      expect(good.stdout + good.stderr).not.toContain(password);
    } finally {
      await files.remove();
    }
  });

  it("never logs the registry password or a registry token", () => {
    const lines = tagroll.logs();
    expect(issuer.issued.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(password))).toEqual([]);
    const signatures = issuer.issued.map((token) => token.split(".")[2] ?? token);
    expect(lines.filter((line) => signatures.some((s) => line.includes(s)))).toEqual([]);
    expect(tagroll.linesWithTokens()).toEqual([]);
  });
});
