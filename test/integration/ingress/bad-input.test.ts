import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { kvPut } from "../../helpers/cluster.js";
import { loadTestConfig, startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { forgedTokens } from "./forged-tokens.js";
import { cleanService, history, kvValue, modifyIndex, snapshotSharedKeys } from "./kv-probe.js";
import { postHook } from "./source-payloads.js";

/**
 * Everything a sender can get wrong, each answered with the documented status (README,
 * "Troubleshooting" and "Security model") and each leaving Consul KV untouched: the desired key's ModifyIndex does not move
 * and no history entry appears. Last, no token used here may appear in any log line.
 */

const YAML = `
services:
  - name: bad-web
    image: docker.io/acme/web
  - name: bad-db
    image: docker.io/acme/db
`;
const WEB_KEY = "configs/bad-web/IMAGE_TAG";
const DB_KEY = "configs/bad-db/IMAGE_TAG";
const json = { "content-type": "application/json" };
const generic = (tag: string, image = "acme/web") => JSON.stringify({ image, tag });

describe("ingress: bad input leaves KV untouched", () => {
  let tagroll: TestTagroll;
  let webUrl: string;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;
  const usedTokens: string[] = [];
  let before: { web: number; db: number; history: number };

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    await kvPut(WEB_KEY, "1.0.0");
    await kvPut(DB_KEY, "5.0.0");
    tagroll = await startTagroll({ yaml: YAML });
    const minted = await tagroll.mint("bad-web");
    webUrl = minted.url;
    usedTokens.push(minted.token);
  });

  beforeEach(async () => {
    before = {
      web: await modifyIndex(WEB_KEY),
      db: await modifyIndex(DB_KEY),
      history: (await history("bad-web")).length,
    };
  });

  const expectUntouched = async () => {
    expect(await modifyIndex(WEB_KEY)).toBe(before.web);
    expect(await modifyIndex(DB_KEY)).toBe(before.db);
    expect(await history("bad-web")).toHaveLength(before.history);
    expect(await kvValue(WEB_KEY)).toBe("1.0.0");
  };

  afterAll(async () => {
    await tagroll?.close();
    await cleanService("bad-web", WEB_KEY);
    await cleanService("bad-db", DB_KEY);
    await shared?.cleanup();
  });

  it("malformed JSON → 400", async () => {
    const res = await postHook(webUrl, { headers: json, body: '{"image": "acme/web", "tag": "2.0.0"' });
    expect(res.status).toBe(400);
    expect(res.body["message"]).toMatch(/malformed JSON/);
    await expectUntouched();
  });

  it("a 1 MiB body → 413 (limit 64 KiB)", async () => {
    const body = JSON.stringify({ image: "acme/web", tag: "2.0.0", pad: "a".repeat(1024 * 1024) });
    const res = await postHook(webUrl, { headers: json, body });
    expect(res.status).toBe(413);
    await expectUntouched();
  });

  it("a 1 MiB body sent chunked, without Content-Length → 413 as well", async () => {
    const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(new TextEncoder().encode('{"image":"acme/web","tag":"2.0.0","pad":"'));
        if (sent++ < 16) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(webUrl, { method: "POST", headers: json, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    await expectUntouched();
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "application/xml", ""])(
    "content type %j → 415",
    async (type) => {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const res = await postHook(webUrl, { headers, body: generic("2.0.0") });
      expect(res.status, res.text).toBe(415);
      await expectUntouched();
    },
  );

  it.each([
    ["a newline", "2.0.0\nEVIL=1"],
    ["a space", "2.0.0 x"],
    ["=", "IMAGE_TAG=2"],
    ["/", "2.0/0"],
    ["129 characters", "a".repeat(129)],
    ["a leading dot", ".2.0.0"],
    ["a leading dash", "-2"],
  ])("a tag with %s → 400", async (_what, tag) => {
    const res = await postHook(webUrl, { headers: json, body: generic(tag) });
    expect(res.status, res.text).toBe(400);
    expect(res.body["message"]).toMatch(/invalid tag/);
    // The reply quotes the tag escaped: no raw newline goes back to the sender either.
    expect(res.text.includes("\n")).toBe(false);
    await expectUntouched();
  });

  it("accepts a tag of exactly 128 characters (the grammar's bound)", async () => {
    const tag = `9${"a".repeat(127)}`;
    const res = await postHook(webUrl, { headers: json, body: generic(tag) });
    expect(res.status, res.text).toBe(202);
    expect(await kvValue(WEB_KEY)).toBe(tag);
    await kvPut(WEB_KEY, "1.0.0"); // back to the baseline the other cases compare against
  });

  it("a repository that is not the service's image → 403", async () => {
    const res = await postHook(webUrl, { headers: json, body: generic("2.0.0", "acme/db") });
    expect(res.status, res.text).toBe(403);
    await expectUntouched();
  });

  it("a token for web can never deploy db: web's token with db's repository → 403", async () => {
    const res = await postHook(webUrl, { headers: json, body: generic("9.9.9", "docker.io/acme/db") });
    expect(res.status).toBe(403);
    expect(await kvValue(DB_KEY)).toBe("5.0.0");
    await expectUntouched();
  });

  it("a registry-wide sender's push for another repository → 200 ignored, so its queue keeps moving", async () => {
    const envelope = JSON.stringify({
      events: [
        {
          id: "other-repo-push",
          action: "push",
          target: {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            repository: "acme/db",
            tag: "7.0.0",
          },
          request: { host: "docker.io" },
        },
      ],
    });
    const res = await postHook(webUrl, {
      headers: { "content-type": "application/vnd.docker.distribution.events.v1+json" },
      body: envelope,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body["status"]).toBe("ignored");
    expect(await kvValue(DB_KEY)).toBe("5.0.0");
    await expectUntouched();
  });

  it("forged, foreign and revoked tokens → 404 with identical bodies", async () => {
    const forged = await forgedTokens(tagroll);
    usedTokens.push(...forged.map((f) => f.token));
    const replies = new Map<string, string>();
    for (const { name, token } of forged) {
      const res = await postHook(`${tagroll.url}/hooks/${token}`, { headers: json, body: generic("2.0.0") });
      expect(res.status, name).toBe(404);
      replies.set(name, res.text);
    }
    expect(new Set(replies.values()).size).toBe(1);
    expect(JSON.parse([...replies.values()][0] ?? "{}")).toEqual({
      error: "not_found",
      message: "not found",
    });
    // A bad token never gets as far as the body: a body that would be 415 or 400 is still 404.
    const badType = await postHook(`${tagroll.url}/hooks/${forged[0]?.token}`, { headers: {}, body: "x" });
    expect(badType.status).toBe(404);
    expect(badType.text).toBe([...replies.values()][0]);
    await expectUntouched();
  });

  it("no route, no token, a token that is not even valid percent-encoding: same 404 body", async () => {
    for (const path of [
      "/hooks/",
      "/hooks",
      "/hooks/a/b",
      "/hooks/%E0%A4%A",
      "/hooks/%",
      "/hooks/..%2f..%2fv1",
    ]) {
      const res = await postHook(`${tagroll.url}${path}`, { headers: json, body: generic("2.0.0") });
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ error: "not_found", message: "not found" });
    }
    await expectUntouched();
  });

  it.each(["../etc", "web/../db", "..", "Web", "web db", "a".repeat(64)])(
    "a service named %j is rejected at start-up, naming the field",
    (name) => {
      const yaml = `services:\n  - name: ${JSON.stringify(name)}\n    image: acme/web\n`;
      let error: unknown;
      try {
        loadTestConfig({ yaml });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.field)).toContain("services[0].name");
    },
  );

  it("a key that climbs out of its folder is rejected at start-up, naming the field", () => {
    const yaml = "services:\n  - name: web\n    image: acme/web\n    key: configs/../tagroll/leader\n";
    expect(() => loadTestConfig({ yaml })).toThrow(/services\[0\]\.key/);
  });

  it("no token used above appears in any log line", () => {
    expect(tagroll.logs().length).toBeGreaterThan(10);
    expect(usedTokens.length).toBeGreaterThan(5);
    expect(tagroll.linesWithTokens(usedTokens)).toEqual([]);
  });
});
