import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../../src/agents/free-port.js";
import { runCli, writeConfigDir } from "../../helpers/tagroll-cli.js";
import { newSigningKeys, startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, kvValue, snapshotSharedKeys } from "./kv-probe.js";
import { postHook } from "./source-payloads.js";
import { tokenKey } from "../../../src/state/kv-layout.js";

/**
 * `tagroll token create|list|revoke` as an operator runs them (a child process reading a config
 * file and env), against the real Consul, and the URLs they print used against a running tagroll
 * that shares the signing keys.
 */

const YAML = `
server:
  publicUrl: https://tagroll.example.com/
services:
  - name: tok-web
    image: acme/tok-web
  - name: tok-db
    image: acme/tok-db
`;
const KEY = "configs/tok-web/IMAGE_TAG";

describe("tagroll token", () => {
  let config: Awaited<ReturnType<typeof writeConfigDir>>;
  let tagroll: TestTagroll;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;
  const keys = newSigningKeys("k2", "k1");
  const env = () => ({
    TAGROLL_SIGNING_KEYS: keys,
    CONSUL_HTTP_ADDR: inject("consulAddr"),
    TAGROLL_CONFIG: config.file,
  });
  const cli = (...args: string[]) => runCli(["token", ...args], { env: env() });

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    config = await writeConfigDir(YAML);
    tagroll = await startTagroll({ yaml: YAML, env: { TAGROLL_SIGNING_KEYS: keys } });
  });

  afterAll(async () => {
    await tagroll?.close();
    await cleanService("tok-web", KEY);
    await shared?.cleanup();
    await config?.remove();
  });

  it("create prints <publicUrl>/hooks/<token>, list shows it without the token, revoke ends it", async () => {
    const created = await cli("create", "tok-web");
    expect(created.code, created.stderr).toBe(0);
    const url = created.stdout.trim();
    expect(url).toMatch(/^https:\/\/tagroll\.example\.com\/hooks\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const token = url.slice(url.lastIndexOf("/") + 1);

    // The printed token works against any tagroll holding the same keys.
    const push = {
      headers: { "content-type": "application/json" },
      body: '{"image":"acme/tok-web","tag":"1.0.0"}',
    };
    expect((await postHook(`${tagroll.url}/hooks/${token}`, push)).status).toBe(202);
    expect(await kvValue(KEY)).toBe("1.0.0");

    const listed = await cli("list", "--json");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(token.split(".")[2]);
    const rows = JSON.parse(listed.stdout) as Array<{
      jti: string;
      service: string;
      kid: string;
      revokedAt: string | null;
    }>;
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      jti: string;
    };
    expect(rows).toContainEqual(
      expect.objectContaining({ jti: payload.jti, service: "tok-web", kid: "k2", revokedAt: null }),
    );

    const table = await cli("list", "--service", "tok-web");
    expect(table.stdout).toMatch(/^JTI\s+SERVICE\s+KID\s+ISSUED\s+REVOKED/);
    expect(table.stdout).toContain(payload.jti);
    expect(table.stdout).not.toContain(token.split(".")[2]);

    const revoked = await cli("revoke", payload.jti);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked: ${payload.jti} (service tok-web)`);
    const refused = await postHook(`${tagroll.url}/hooks/${token}`, {
      ...push,
      body: push.body.replace("1.0.0", "1.0.1"),
    });
    expect(refused.status).toBe(404);
    expect(await kvValue(KEY)).toBe("1.0.0");
    expect((await cli("revoke", payload.jti)).stdout).toContain("already revoked");
    const after = JSON.parse((await cli("list", "--json")).stdout) as typeof rows;
    expect(after.find((r) => r.jti === payload.jti)?.revokedAt).toMatch(/^\d{4}-/);
  });

  it("create --json prints url, jti, service and kid, recorded under tagroll/tokens/", async () => {
    const created = await cli("create", "tok-db", "--json", "--public-url", "http://10.0.0.1:9000");
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout) as { url: string; jti: string; service: string; kid: string };
    expect(out).toMatchObject({ service: "tok-db", kid: "k2" });
    expect(out.url.startsWith("http://10.0.0.1:9000/hooks/")).toBe(true);
    expect(JSON.parse((await kvValue(tokenKey("tokens", out.jti))) ?? "{}")).toMatchObject({
      service: "tok-db",
      kid: "k2",
    });
  });

  it("an unknown service is refused, naming the configured ones", async () => {
    const res = await cli("create", "nope");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('unknown service "nope"');
    expect(res.stderr).toContain("tok-web, tok-db");
    expect(res.stdout).toBe("");
  });

  it("Consul down: says which address, prints no URL", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    for (const args of [["create", "tok-web"], ["list"], ["revoke", "AAAAAAAAAAAAAAAAAAAAAA"]]) {
      const res = await runCli(["token", ...args], { env: { ...env(), CONSUL_HTTP_ADDR: nobody } });
      expect(res.code, args.join(" ")).toBe(1);
      expect(res.stderr).toContain(`Consul at ${nobody}`);
      expect(res.stdout).toBe("");
    }
  });

  it("refuses a malformed token id and a missing signing key with clear messages", async () => {
    const bad = await cli("revoke", "https://tagroll.example.com/hooks/x.y.z");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("not a token id");
    const noKeys = Object.fromEntries(
      Object.entries(env()).filter(([name]) => name !== "TAGROLL_SIGNING_KEYS"),
    );
    const nokey = await runCli(["token", "create", "tok-web"], { env: noKeys });
    expect(nokey.code).toBe(1);
    expect(nokey.stderr).toMatch(/signingKeys: no signing key configured/);
  });
});
