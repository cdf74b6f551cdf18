import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestKey } from "../../../src/state/kv-layout.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, deleteKeys, history, kvValue, snapshotSharedKeys } from "../ingress/kv-probe.js";
import { startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";

/**
 * Polling a registry that sends no webhook (no `notifications` in its config): the leader lists
 * the tags every `poll.every`, and a new signed tag is written with its digest through the same
 * checks as a webhook. With the registry down, polls fail and back off; back up, they recover.
 */

const SERVICE = "sc-polled";
const TAG_KEY = `configs/${SERVICE}/IMAGE_TAG`;
const DIGEST_KEY = `configs/${SERVICE}/IMAGE_DIGEST`;
const KEY_FILE = "/virtual/tagroll/cosign.pub";
const EVERY_MS = 2_000;
/** Generous: a loaded 2-core machine may run a poll late; the test waits on the value, not the clock. */
const ARRIVAL = { timeoutMs: 90_000, intervalMs: 250 };

describe("registry polling (no webhooks)", () => {
  let dir: string;
  let reg: SigningRegistry;
  let tagroll: TestTagroll;
  let image: string;
  let key: { key: string; pem: string };
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    dir = await mkdtemp(join(tmpdir(), "tagroll-poll-"));
    reg = await startSigningRegistry(dir);
    image = reg.image("polled-web");
    key = await reg.keyPair("a");
    tagroll = await startTagroll({
      coordinator: true,
      yaml: [
        "registries:",
        `  - { host: "127.0.0.1:${reg.port}", insecure: true, username: ${USER}, passwordEnv: TEST_REGISTRY_PASSWORD }`,
        "services:",
        `  - name: ${SERVICE}`,
        `    image: ${image}`,
        "    policy: { order: semver }",
        `    verify: { cosignPublicKey: ${KEY_FILE} }`,
        `    poll: { every: ${EVERY_MS}ms }`,
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
      files: { [KEY_FILE]: key.pem },
    });
    await waitFor("tagroll to lead", async () => tagroll.runtime.coordinator?.isLeader() === true, ARRIVAL);
  });

  afterAll(async () => {
    await tagroll?.close();
    await reg?.stop();
    await cleanService(SERVICE, TAG_KEY);
    await deleteKeys([requestKey(SERVICE)]);
    await shared?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const pollLines = () =>
    tagroll
      .logs()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l["service"] === SERVICE && String(l["msg"]).startsWith("registry poll"));

  async function metric(name: string, labels: string): Promise<number> {
    const text = await (await fetch(`${tagroll.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  }

  it("picks up a new signed tag with its digest; ignores an unsigned newer one", async () => {
    const digest = await reg.push(image, "2.0.0");
    await reg.sign(image, digest, key.key);
    await waitFor("the poll to write 2.0.0", async () => (await kvValue(TAG_KEY)) === "2.0.0", ARRIVAL);
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
    // The coordinator (this process leads) may append its rollout entry right after the push.
    expect((await history(SERVICE)).find((e) => e.kind === "push" && e.tag === "2.0.0")).toMatchObject({
      kind: "push",
      tag: "2.0.0",
      digest,
      source: "poll",
    });

    await reg.push(image, "2.1.0");
    await waitFor(
      "a refused poll of the unsigned 2.1.0",
      async () => (await metric("tagroll_supply_chain_refused_total", 'reason="unsigned",via="poll"')) > 0,
      ARRIVAL,
    );
    expect(await kvValue(TAG_KEY)).toBe("2.0.0");
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
  });

  it("registry down: polls fail and back off; back up: the next poll writes the new tag", async () => {
    const digest = await reg.push(image, "2.2.0");
    await reg.sign(image, digest, key.key);
    // Stop before the poller sees 2.2.0 is not guaranteed, so only assert what follows the outage.
    await reg.stop();
    const failedBefore = await metric("tagroll_registry_polls_total", 'outcome="failed"');
    const linesBefore = pollLines().length;
    try {
      await waitFor(
        "three failed polls",
        async () => (await metric("tagroll_registry_polls_total", 'outcome="failed"')) >= failedBefore + 3,
        ARRIVAL,
      );
      const waits = pollLines()
        .slice(linesBefore)
        .filter((l) => l["msg"] === "registry poll failed")
        .map((l) => Number(l["retryInMs"]));
      expect(waits.length).toBeGreaterThanOrEqual(3);
      // Exponential backoff: the ceiling doubles per failure (half of each wait is random).
      expect(waits[2]).toBeGreaterThan(waits[0] ?? 0);
    } finally {
      await reg.restart();
    }
    await waitFor(
      "the recovered poll to write 2.2.0",
      async () => (await kvValue(TAG_KEY)) === "2.2.0",
      ARRIVAL,
    );
    expect(await kvValue(DIGEST_KEY)).toBe(digest);
  });

  it("never logs the registry password", () => {
    expect(tagroll.logs().filter((line) => line.includes(reg.password))).toEqual([]);
  });
});
