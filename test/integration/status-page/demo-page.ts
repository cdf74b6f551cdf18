import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import { historyKey, requestKey, rolloutKey } from "../../../src/state/kv-layout.js";
import { createAdminToken, type Scope } from "../../../src/tokens/index.js";
import {
  kvDeleteTree,
  kvGet,
  kvPut,
  nomadAddr,
  purgeJob,
  waitFor,
  waitForHealthyAllocs,
} from "../../helpers/cluster.js";
import { loadTestConfig } from "../../helpers/tagroll.js";
import { launchChromium } from "./browser.js";
import { serveWithStatus, type ServedTagroll } from "./serve-with-status.js";

/** A fresh 3-instance demo service on the shared dev agents, tagroll serving its page, and Chromium. */
export interface DemoPage {
  service: string;
  key: string;
  /** CSS selector of the service's card. */
  card: string;
  tagroll: ServedTagroll;
  browser: Browser;
  /** A fresh API token with these scopes, valid 15 minutes. */
  token(scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts it all and waits until the leader has adopted `v1`, so the next write is a rollout.
 * `serviceYaml` is appended to the service's entry in the config (indented four spaces).
 */
export async function startDemoPage(prefix: string, serviceYaml = ""): Promise<DemoPage> {
  const service = `${prefix}-${randomBytes(3).toString("hex")}`;
  const key = `configs/${service}/IMAGE_TAG`;
  await mkdir("test-artifacts", { recursive: true });
  await kvPut(key, "v1");
  await registerDemoJob(nomadAddr(), { id: service, service, count: 3 });
  await waitForHealthyAllocs(service, 3);
  const config = loadTestConfig({
    yaml: `services:\n  - name: ${service}\n    image: docker.io/tagroll/${service}\n    policy:\n      order: none\n${serviceYaml}`,
    coordinator: true,
  });
  const tagroll = await serveWithStatus({ ...config, server: { ...config.server, port: 0 } });
  // The leader adopts v1 as the baseline first; a write before that would be adopted, not rolled out.
  await waitFor("the leader to adopt v1", async () => (await kvGet(rolloutKey(service))) !== undefined);
  const browser = await launchChromium();
  const { keys, activeKeyId } = tagroll.runtime.config;
  return {
    service,
    key,
    card: `[data-service="${service}"]`,
    tagroll,
    browser,
    token: async (scopes) =>
      (await createAdminToken(keys, activeKeyId, { subject: "status-page-test", scopes, expiresIn: 900 }))
        .token,
    close: async () => {
      await browser.close();
      await tagroll.close();
      await purgeJob(service);
      for (const prefix of [
        `configs/${service}`,
        rolloutKey(service),
        historyKey(service),
        requestKey(service),
      ]) {
        await kvDeleteTree(prefix);
      }
    },
  };
}
