import { describe, expect, it } from "vitest";
import {
  collapsePrefixes,
  KvWatcher,
  type WatchedChange,
} from "../../../src/coordinator/watch/kv-watcher.js";
import { nextWatchIndex, watchPrefix } from "../../../src/coordinator/watch/watch-index.js";
import type { KvStore } from "../../../src/kv/kv-store.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { silentLogger } from "./fakes/harness.js";
import { VirtualClock } from "./fakes/virtual-clock.js";
import { folderPrefix } from "../../../src/state/kv-layout.js";

function watching(keys: string[], rate?: { capacity: number; perSecond: number }) {
  const clock = new VirtualClock();
  const kv = new FakeKvStore(clock, 100);
  const override: { index?: (real: number) => number } = {};
  // The index a blocking query answers with, as a test wants it (e.g. going backwards).
  const seen: KvStore = new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop !== "watchList") return (Reflect.get(target, prop, receiver) as () => unknown).bind(target);
      return async (...args: Parameters<KvStore["watchList"]>) => {
        const result = await target.watchList(...args);
        return override.index ? { ...result, index: override.index(result.index) } : result;
      };
    },
  });
  const changes: WatchedChange[] = [];
  const watcher = new KvWatcher({
    kv: seen,
    clock,
    logger: silentLogger,
    keys,
    onChange: (batch) => changes.push(...batch),
    waitMs: 60_000,
    ...(rate ? { rate } : {}),
  });
  const stop = new AbortController();
  const running = watcher.run(stop.signal);
  const watches = () => kv.calls.filter((c) => c.startsWith("watchList "));
  const watchIndexes = () => watches().map((c) => Number(c.split("index=")[1]));
  const put = (key: string, value: string) => kv.set(key, value);
  return { clock, kv, override, changes, watcher, stop, running, watches, watchIndexes, put };
}

describe("Consul blocking-query index rules", () => {
  it("resets to 0 when the index goes backwards, and never uses an answer below 1", () => {
    expect(nextWatchIndex(0, 9)).toBe(9);
    expect(nextWatchIndex(9, 12)).toBe(12);
    expect(nextWatchIndex(12, 12)).toBe(12);
    expect(nextWatchIndex(12, 5)).toBe(0);
    expect(nextWatchIndex(0, 0)).toBe(1);
    expect(nextWatchIndex(7, 0)).toBe(1);
  });

  it("many folders collapse into their parents so the number of open queries stays bounded", () => {
    const many = Array.from({ length: 1000 }, (_, i) => `configs/svc-${i}/`);
    expect(collapsePrefixes([...many, folderPrefix("requests")], 64)).toEqual([
      "configs/",
      folderPrefix("requests"),
    ]);
    expect(collapsePrefixes(["a/b/", "a/c/", "d/"], 64)).toEqual(["a/b/", "a/c/", "d/"]);
    expect(collapsePrefixes(["a/b/", "a/b/c/", "a/"], 64)).toEqual(["a/"]);
    expect(collapsePrefixes(["a/b/", "c/d/", "e/f/"], 2)).toEqual([""]);
  });

  it("a key's prefix is its folder", () => {
    expect(watchPrefix("configs/web/IMAGE_TAG")).toBe("configs/web/");
    expect(watchPrefix("IMAGE_TAG")).toBe("");
  });
});

describe("KvWatcher", () => {
  it("runs one blocking query per distinct folder and reports only watched keys", async () => {
    const w = watching(["configs/web/IMAGE_TAG", "configs/web/OTHER", "configs/db/IMAGE_TAG"]);
    expect(w.watcher.prefixes()).toEqual(["configs/db/", "configs/web/"]);
    await w.put("configs/web/IMAGE_TAG", "v1");
    await w.clock.sleep(10);
    await w.put("configs/web/UNWATCHED", "x");
    await w.put("configs/web/IMAGE_TAG", "v2");
    await w.clock.sleep(10);
    w.stop.abort();
    await w.running;
    const prefixes = new Set(w.watches().map((c) => c.split(" ")[1]));
    expect(prefixes).toEqual(new Set(["configs/web/", "configs/db/"]));
    expect(w.changes.map((c) => [c.key, c.value, c.initial])).toEqual([
      ["configs/web/IMAGE_TAG", "v1", true],
      ["configs/web/IMAGE_TAG", "v2", false],
    ]);
  });

  it("re-reads with index 0 after the index went backwards, then blocks again at >= 1", async () => {
    const w = watching(["configs/web/IMAGE_TAG"]);
    await w.put("configs/web/IMAGE_TAG", "v1");
    await w.clock.sleep(10);
    let backwards = true;
    w.override.index = (real) => (backwards ? ((backwards = false), 3) : real);
    await w.put("configs/web/IMAGE_TAG", "v2");
    await w.clock.sleep(10);
    w.stop.abort();
    await w.running;
    const indexes = w.watchIndexes();
    expect(indexes[0]).toBe(0);
    expect(indexes[1]).toBeGreaterThan(3);
    expect(indexes).toContain(0);
    const reset = indexes.lastIndexOf(0);
    expect(reset).toBeGreaterThan(0);
    expect(indexes.slice(reset + 1).every((i) => i >= 1)).toBe(true);
    expect(w.changes.map((c) => c.value)).toEqual(["v1", "v2"]);
  });

  it("never blocks on index 0 after a first answer of 0", async () => {
    const w = watching(["configs/web/IMAGE_TAG"]);
    w.override.index = () => 0;
    await w.clock.sleep(5_000);
    w.stop.abort();
    await w.running;
    expect(
      w
        .watchIndexes()
        .slice(1)
        .every((i) => i === 1),
    ).toBe(true);
  });

  it("rate-limits a churning prefix instead of spinning", async () => {
    const w = watching(["configs/web/IMAGE_TAG"], { capacity: 2, perSecond: 4 });
    // Something writes under the prefix every millisecond: every blocking query returns at once.
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        await w.put("configs/web/NOISE", String(i));
        await w.clock.sleep(1);
      }
    })();
    await w.clock.sleep(2_000);
    churning = false;
    await churn;
    w.stop.abort();
    await w.running;
    const queries = w.watchIndexes().length;
    expect(queries).toBeGreaterThanOrEqual(8);
    expect(queries).toBeLessThanOrEqual(2 + 4 * 2 + 1);
  });

  it("backs off while Consul is down and picks up the change when it is back", async () => {
    const w = watching(["configs/web/IMAGE_TAG"]);
    await w.put("configs/web/IMAGE_TAG", "v1");
    await w.clock.sleep(10);
    w.kv.unavailable = true;
    const before = w.watches().length;
    await w.clock.sleep(200_000);
    const attemptsWhileDown = w.watches().length - before;
    w.kv.unavailable = false;
    await w.put("configs/web/IMAGE_TAG", "v2");
    await w.clock.sleep(20_000);
    w.stop.abort();
    await w.running;
    expect(attemptsWhileDown).toBeGreaterThan(1);
    expect(attemptsWhileDown).toBeLessThan(30);
    expect(w.changes.map((c) => c.value)).toEqual(["v1", "v2"]);
  });
});
