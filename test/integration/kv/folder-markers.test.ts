import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { ensureFolderMarkers } from "../../../src/state/folder-markers.js";
import { consulAddr, kvDeleteTree } from "../../helpers/cluster.js";

/**
 * Why src/state/folder-markers.ts exists, shown on the real Consul agent: a blocking query on an
 * empty folder returns when a key elsewhere is written; once the folder has its marker it waits.
 */
const log = createLogger({ level: "silent" });

describe("folder markers on a real Consul", () => {
  const root = `it-marker-${randomUUID().slice(0, 8)}/`;
  const folder = `${root}revoked/`;
  let kv: ConsulKvStore;

  beforeAll(() => {
    kv = new ConsulKvStore({ address: consulAddr() });
  });

  afterAll(async () => {
    await kvDeleteTree(root);
    kv.close();
  });

  /** Whether a blocking query on `folder` returns within `waitMs` while a key elsewhere is written. */
  async function wokenByUnrelatedWrite(waitMs: number): Promise<boolean> {
    const { index } = await kv.list(folder);
    const started = Date.now();
    const watching = kv.watchList(folder, index, waitMs);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await kv.set(`${root}history/${randomUUID()}`, "x");
    const answer = await watching;
    // Consul adds up to wait/16 of jitter: a query that was not woken takes at least waitMs.
    return Date.now() - started < waitMs && answer.index !== index;
  }

  it("an empty folder's blocking query wakes on any write; with the marker it does not", async () => {
    expect(await wokenByUnrelatedWrite(3_000)).toBe(true);

    expect(await ensureFolderMarkers({ kv, clock: systemClock, log: log, folders: [folder] })).toBe(true);
    const marker = await kv.get(folder);
    expect(marker?.value).toBe("");

    expect(await wokenByUnrelatedWrite(3_000)).toBe(false);
  });

  it("leaves an existing marker as it is", async () => {
    const before = await kv.get(folder);
    expect(before).toBeDefined();
    expect(await ensureFolderMarkers({ kv, clock: systemClock, log: log, folders: [folder] })).toBe(true);
    expect((await kv.get(folder))?.modifyIndex).toBe(before?.modifyIndex);
  });
});
