import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, history, kvValue, snapshotSharedKeys } from "./kv-probe.js";
import { distributionPush, postHook } from "./source-payloads.js";

/**
 * README "Webhooks": one endpoint per service. A registry notifying the URLs of two services that
 * both take its image (a prod and a canary key) sends them the same event id; each service must
 * deploy it, and only a second delivery to the same service is a duplicate.
 */

const SERVICES = ["shared-prod", "shared-canary"] as const;
const YAML = SERVICES.map(
  (name) => `
  - name: ${name}
    image: registry.example.com/acme/shared`,
).join("");
const key = (service: string) => `configs/${service}/IMAGE_TAG`;

describe("ingress: one registry event delivered to two services", () => {
  let tagroll: TestTagroll;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    tagroll = await startTagroll({ yaml: `services:${YAML}\n` });
    for (const s of SERVICES) urls[s] = await tagroll.mintUrl(s);
  });

  afterAll(async () => {
    await tagroll?.close();
    for (const s of SERVICES) await cleanService(s, key(s));
    await shared?.cleanup();
  });

  it("deploys each service once, and answers a redelivery to either as a duplicate", async () => {
    const event = distributionPush("registry.example.com", "acme/shared", "1.2.3");
    for (const service of SERVICES) {
      const res = await postHook(urls[service] ?? "", event);
      expect(res.status, `${service}: ${res.text}`).toBe(202);
      expect(res.body).toMatchObject({ status: "accepted", service, tag: "1.2.3" });
      expect(await kvValue(key(service))).toBe("1.2.3");
      expect((await history(service)).map((e) => [e.kind, e.tag, e.source])).toEqual([
        ["push", "1.2.3", "distribution"],
      ]);
    }

    // The registry retries the same event (say an answer was lost): the delivery id tells it apart
    // from a new push of the same tag, for each service on its own.
    for (const service of SERVICES) {
      const res = await postHook(urls[service] ?? "", event);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ status: "duplicate", reason: "delivery already processed" });
      expect(await history(service)).toHaveLength(1);
    }
  });
});
