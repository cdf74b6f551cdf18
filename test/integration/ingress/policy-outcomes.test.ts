import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kvPut } from "../../helpers/cluster.js";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, history, kvValue, modifyIndex, snapshotSharedKeys } from "./kv-probe.js";
import { distributionPush, fixture, postHook } from "./source-payloads.js";

/**
 * What the sender is told when there is nothing to write (README,
 * "Configuration" and "Troubleshooting": a tag the policy rejects is answered 200 with the
 * reason, so registries do not retry it, and nothing is written; duplicates idempotent;
 * well-formed events with nothing to do → 200), each checked against Consul itself.
 */

const YAML = `
services:
  - name: pol-semver
    image: acme/pol-semver
    policy: { order: semver, range: "^1.0.0" }
  - name: pol-stamp
    image: acme/pol-stamp
    policy: { order: timestamp, match: "release-.*" }
  - name: pol-none
    image: registry.example.com/acme/pol-none
  - name: pol-latest
    image: acme/pol-latest
    policy: { allowLatest: true }
`;
const key = (service: string) => `configs/${service}/IMAGE_TAG`;
const json = { "content-type": "application/json" };
const generic = (image: string, tag: string) => ({ headers: json, body: JSON.stringify({ image, tag }) });

/** A Distribution notification for registry.example.com/acme/pol-none with its own event id. */
const distribution = (tag: string) => distributionPush("registry.example.com", "acme/pol-none", tag);

describe("ingress: policy rejections, duplicates and no-op events", () => {
  let tagroll: TestTagroll;
  const urls: Record<string, string> = {};
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    tagroll = await startTagroll({ yaml: YAML });
    for (const s of ["pol-semver", "pol-stamp", "pol-none", "pol-latest"]) urls[s] = await tagroll.mintUrl(s);
    await kvPut(key("pol-semver"), "1.5.0");
    await kvPut(key("pol-stamp"), "release-20260101000000");
  });

  afterAll(async () => {
    await tagroll?.close();
    for (const s of ["pol-semver", "pol-stamp", "pol-none", "pol-latest"]) await cleanService(s, key(s));
    await shared?.cleanup();
  });

  /** POSTs and checks: 200, the expected status and reason, and the key did not move. */
  async function expectNothingWritten(
    service: string,
    request: { headers: Record<string, string>; body: string },
    status: string,
    reason: RegExp,
  ) {
    const index = await modifyIndex(key(service));
    const entries = (await history(service)).length;
    const res = await postHook(urls[service] ?? "", request);
    expect(res.status, res.text).toBe(200);
    expect(res.body["status"]).toBe(status);
    expect(String(res.body["reason"] ?? res.body["reasons"])).toMatch(reason);
    expect(await modifyIndex(key(service))).toBe(index);
    expect(await history(service)).toHaveLength(entries);
  }

  it.each([
    ["a downgrade", "1.4.9", /older than the current "1.5.0"/],
    ["the same version", "1.5.0", /already the desired/],
    ["a version outside the range", "2.0.0", /outside policy.range/],
    ["a tag that is not semver", "banana", /not a semver version/],
    ["latest", "latest", /"latest" is ignored/],
  ])("semver service: %s → 200 with the reason, nothing written", async (_what, tag, reason) => {
    const status = tag === "1.5.0" ? "duplicate" : "rejected_by_policy";
    await expectNothingWritten("pol-semver", generic("acme/pol-semver", tag), status, reason);
  });

  it("semver service: a newer version in range → 202", async () => {
    const res = await postHook(urls["pol-semver"] ?? "", generic("acme/pol-semver", "1.6.0"));
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ status: "accepted", tag: "1.6.0", previous: "1.5.0" });
    expect(await kvValue(key("pol-semver"))).toBe("1.6.0");
  });

  it("timestamp service: match and order decide", async () => {
    const image = "acme/pol-stamp";
    await expectNothingWritten(
      "pol-stamp",
      generic(image, "hotfix-20270101000000"),
      "rejected_by_policy",
      /policy.match/,
    );
    await expectNothingWritten(
      "pol-stamp",
      generic(image, "release-20251231235959"),
      "rejected_by_policy",
      /older/,
    );
    const res = await postHook(urls["pol-stamp"] ?? "", generic(image, "release-20260103082900"));
    expect(res.status, res.text).toBe(202);
    expect(await kvValue(key("pol-stamp"))).toBe("release-20260103082900");
  });

  it("latest is written only where policy.allowLatest is set", async () => {
    const res = await postHook(urls["pol-latest"] ?? "", generic("acme/pol-latest", "latest"));
    expect(res.status, res.text).toBe(202);
    expect(await kvValue(key("pol-latest"))).toBe("latest");
  });

  it("a replayed delivery id is a duplicate even after a newer tag (no revert under order none)", async () => {
    const first = distribution("3.0.0");
    expect((await postHook(urls["pol-none"] ?? "", first)).status).toBe(202);
    expect((await postHook(urls["pol-none"] ?? "", distribution("2.0.0"))).status).toBe(202);
    // order none accepts any tag, so only the delivery id can tell that this is the old event.
    await expectNothingWritten("pol-none", first, "duplicate", /delivery already processed/);
    expect(await kvValue(key("pol-none"))).toBe("2.0.0");
  });

  it.each([
    ["a pull", "distribution-docs-pull", /pull event/],
    ["a blob push", "distribution-blob-push", /blob push/],
    ["an untagged manifest", "distribution-untagged-manifest", /untagged manifest/],
  ])("%s → 200 ignored, nothing written", async (_what, name, reason) => {
    const { body, headers } = fixture(name);
    for (const event of body.events as Array<Record<string, any>>) event.target.repository = "acme/pol-none"; // eslint-disable-line @typescript-eslint/no-explicit-any
    const request = {
      headers: { "content-type": headers["content-type"] ?? "" },
      body: JSON.stringify(body),
    };
    await expectNothingWritten("pol-none", request, "ignored", reason);
  });

  it("logged no token", () => {
    expect(tagroll.logs().length).toBeGreaterThan(20);
    expect(tagroll.linesWithTokens()).toEqual([]);
  });
});
