import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { secretEnvName } from "../../../src/config/build-services.js";
import { freePort } from "../../../src/agents/free-port.js";
import { runCli, startServe, writeConfigDir, type ServeProcess } from "../../helpers/tagroll-cli.js";
import { newSigningKeys } from "../../helpers/tagroll.js";
import { cleanService, history, kvValue, modifyIndex, snapshotSharedKeys } from "./kv-probe.js";
import { postHook, SOURCE_CASES } from "./source-payloads.js";

/**
 * End to end through the real `tagroll serve` process for every registry format: a webhook URL
 * made by `tagroll token create`, the fixture POSTed to it, the tag in Consul KV, the push in the
 * service's history with its source, and the same delivery again answered 200 as a duplicate.
 */

const cases = SOURCE_CASES.map((c, index) => ({ ...c, service: `e2e-${index}-${c.source}` }));
const keyOf = (service: string) => `configs/${service}/IMAGE_TAG`;
const freshTag = () => `1.${Date.now() % 100_000}.${randomBytes(2).readUInt16BE()}`;

describe("tagroll serve: every source end to end", () => {
  let serve: ServeProcess;
  let config: Awaited<ReturnType<typeof writeConfigDir>>;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;
  const env: Record<string, string> = {};
  const urls = new Map<string, string>();
  const tokens: string[] = [];

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    const services = cases.map((c) => `  - name: ${c.service}\n    image: ${c.image}\n`).join("");
    config = await writeConfigDir(`server:\n  host: 127.0.0.1\nservices:\n${services}`);
    Object.assign(env, {
      TAGROLL_SIGNING_KEYS: newSigningKeys("k1"),
      CONSUL_HTTP_ADDR: inject("consulAddr"),
      NOMAD_ADDR: inject("nomadAddr"),
      TAGROLL_CONFIG: config.file,
    });
    for (const c of cases) if (c.secret) env[secretEnvName(c.service, c.source)] = c.secret;
    const port = await freePort();
    serve = await startServe(["--no-coordinator", "--port", `${port}`], { env });
    for (const c of cases) {
      const created = await runCli(["token", "create", c.service, "--json", "--public-url", serve.url], {
        env,
      });
      expect(created.code, created.stderr).toBe(0);
      const { url, service } = JSON.parse(created.stdout) as { url: string; service: string };
      expect(service).toBe(c.service);
      expect(url.startsWith(`${serve.url}/hooks/`)).toBe(true);
      urls.set(c.service, url);
      tokens.push(url.slice(url.lastIndexOf("/") + 1));
    }
  });

  afterAll(async () => {
    await serve?.stop();
    for (const c of cases) await cleanService(c.service, keyOf(c.service));
    await shared?.cleanup();
    await config?.remove();
  });

  it.each(cases)("$name: 202, tag in KV, history entry with source, then duplicate 200", async (c) => {
    const url = urls.get(c.service) ?? "";
    const tag = freshTag();
    const request = c.build(tag);

    const first = await postHook(url, request);
    expect(first.status, first.text).toBe(202);
    expect(first.body).toMatchObject({ status: "accepted", service: c.service, tag });
    expect(await kvValue(keyOf(c.service))).toBe(tag);
    const entries = await history(c.service);
    expect(entries.at(-1)).toMatchObject({ kind: "push", tag, source: c.source });
    const indexAfter = await modifyIndex(keyOf(c.service));

    // Registries redeliver (Distribution until success, Docker Hub once per manifest).
    const again = await postHook(url, request);
    expect(again.status, again.text).toBe(200);
    expect(again.body["status"]).toBe("duplicate");
    expect(await modifyIndex(keyOf(c.service))).toBe(indexAfter);
    expect(await history(c.service)).toHaveLength(entries.length);
  });

  it("refuses a signed source whose signature does not match, writing nothing", async () => {
    const signed = cases.filter((c) => c.source === "ghcr" || c.source === "jfrog");
    expect(signed).toHaveLength(2);
    for (const c of signed) {
      const before = await modifyIndex(keyOf(c.service));
      const request = c.build(freshTag());
      const tampered = Buffer.from(request.body.toString("utf8").replace(/"tag"/, '"tag" '));
      const res = await postHook(urls.get(c.service) ?? "", { headers: request.headers, body: tampered });
      expect(res.status, `${c.name}: ${res.text}`).toBe(404);
      expect(res.body).toEqual({ error: "not_found", message: "not found" });
      expect(await modifyIndex(keyOf(c.service))).toBe(before);
    }
  });

  it("never wrote a token to stdout or stderr", async () => {
    const { lines, stderr } = serve.output();
    expect(lines.length).toBeGreaterThan(cases.length);
    for (const token of tokens) {
      expect(lines.filter((line) => line.includes(token))).toEqual([]);
      expect(stderr.includes(token)).toBe(false);
      // Not even the signature part alone.
      const signature = token.split(".")[2] ?? "";
      expect(lines.some((line) => line.includes(signature))).toBe(false);
    }
  });
});
