import { describe, expect, it } from "vitest";
import { ensureFolderMarkers, WATCHED_STATE_FOLDERS } from "../../../src/state/folder-markers.js";
import { gateService, requestService, tokenOfKey } from "../../../src/state/kv-layout.js";
import { RevocationStore } from "../../../src/tokens/revocations.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { capturingLogger } from "../../helpers/tagroll.js";
import { ManualClock } from "./manual-clock.js";

describe("ensureFolderMarkers", () => {
  it("creates an empty key named after each watched folder, once", async () => {
    const kv = new FakeKvStore(new ManualClock());
    const { log } = capturingLogger();
    expect(await ensureFolderMarkers({ kv, clock: new ManualClock(), log })).toBe(true);
    for (const folder of WATCHED_STATE_FOLDERS) expect((await kv.get(folder))?.value).toBe("");
    const indexes = await Promise.all(WATCHED_STATE_FOLDERS.map(async (f) => (await kv.get(f))?.modifyIndex));
    expect(await ensureFolderMarkers({ kv, clock: new ManualClock(), log })).toBe(true);
    expect(await Promise.all(WATCHED_STATE_FOLDERS.map(async (f) => (await kv.get(f))?.modifyIndex))).toEqual(
      indexes,
    );
  });

  it("retries with backoff while Consul is away, saying why, and stops when aborted", async () => {
    const kv = new FakeKvStore(new ManualClock());
    const clock = new ManualClock();
    const { log, lines } = capturingLogger();
    kv.unavailable = true;
    const controller = new AbortController();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms: number) => {
      if (clock.sleeps.length === 2) kv.unavailable = false;
      await sleep(ms);
    };
    expect(await ensureFolderMarkers({ kv, clock, log, signal: controller.signal })).toBe(true);
    expect(clock.sleeps.length).toBe(3);
    expect(clock.sleeps[2]).toBeGreaterThan(clock.sleeps[0] ?? 0);
    expect(lines.some((l) => l.includes("wakes on every KV write"))).toBe(true);
    for (const folder of WATCHED_STATE_FOLDERS) expect(await kv.get(folder)).toBeDefined();

    kv.unavailable = true;
    controller.abort();
    expect(
      await ensureFolderMarkers({ kv, clock, log, folders: ["tagroll/other/"], signal: controller.signal }),
    ).toBe(false);
  });

  it("is skipped by every reader of those folders", async () => {
    const kv = new FakeKvStore(new ManualClock());
    await ensureFolderMarkers({ kv, clock: new ManualClock(), log: capturingLogger().log });
    const [revoked, requests, gates] = WATCHED_STATE_FOLDERS as [string, string, string];
    expect(requestService(requests)).toBeUndefined();
    expect(gateService(gates)).toBeUndefined();
    expect(tokenOfKey("revoked", revoked)).toBe("");
    expect(await new RevocationStore(kv).list()).toEqual([]);
  });
});
