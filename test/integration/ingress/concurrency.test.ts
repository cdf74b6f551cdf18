import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, history, kvValue, snapshotSharedKeys } from "./kv-probe.js";
import { postHook } from "./source-payloads.js";

/**
 * 50 concurrent pushes of different tags for one service (README,
 * "Concepts": a compare-and-set write, so two concurrent pushes end with the newest tag by policy,
 * never a lost update). Checked against
 * Consul: the final value is the newest by policy, every 202 has exactly one history entry and
 * nothing else does, and the history reads as one chain of writes (each entry's `previous` is
 * the entry before it), which a lost update would break.
 */

const YAML = `
services:
  - name: conc-num
    image: acme/conc-num
    policy: { order: numeric }
  - name: conc-semver
    image: acme/conc-semver
    policy: { order: semver }
  - name: conc-asc
    image: acme/conc-asc
    policy: { order: numeric }
`;
const PUSHES = 50;
const key = (service: string) => `configs/${service}/IMAGE_TAG`;

/** Fisher-Yates with Math.random: a different arrival order each run is the point. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("ingress: 50 concurrent pushes for one service", () => {
  let tagroll: TestTagroll;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    tagroll = await startTagroll({ yaml: YAML });
  });

  afterAll(async () => {
    await tagroll?.close();
    for (const s of ["conc-num", "conc-semver", "conc-asc"]) await cleanService(s, key(s));
    await shared?.cleanup();
  });

  const numbers = Array.from({ length: PUSHES }, (_, i) => `${i + 1}`);
  const versions = Array.from({ length: PUSHES }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);

  // Shuffled: most pushes lose to a newer one already written. Ascending: most are newer than
  // what is there when they arrive, so nearly all of them race on the CAS.
  it.each([
    ["conc-num", shuffled(numbers), `${PUSHES}`],
    ["conc-semver", shuffled(versions), "1.4.9"],
    ["conc-asc", numbers, `${PUSHES}`],
  ])("%s ends on the newest tag with one history entry per 202", async (service, tags, newest) => {
    const url = await tagroll.mintUrl(service);
    const image = `acme/${service}`;
    const replies = await Promise.all(
      tags.map(async (tag) => {
        const res = await postHook(url, {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ image, tag }),
        });
        return { tag, status: res.status, outcome: res.body["status"], text: res.text };
      }),
    );

    // Every push was decided: accepted, or refused by policy as not newer. No 409, no 5xx.
    for (const r of replies) {
      expect([202, 200], `${r.tag}: ${r.text}`).toContain(r.status);
      if (r.status === 200) expect(r.outcome, r.text).toBe("rejected_by_policy");
    }
    expect(await kvValue(key(service))).toBe(newest);

    const accepted = replies.filter((r) => r.status === 202).map((r) => r.tag);
    expect(accepted).toContain(newest);
    const entries = await history(service);
    expect(entries.map((e) => e.tag).sort()).toEqual([...accepted].sort());
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    expect(entries.every((e) => e.kind === "push" && e.source === "generic")).toBe(true);

    // One chain: each write replaced exactly the value the write before it left, so none was
    // lost. Appends to the history run after the writes and may land in another order, so the
    // chain is followed through `previous` rather than read in list order.
    const byPrevious = new Map(entries.map((e) => [e.previous ?? "(none)", e.tag]));
    expect(byPrevious.size).toBe(entries.length);
    const chain: string[] = [];
    for (let at = byPrevious.get("(none)"); at !== undefined; at = byPrevious.get(at)) chain.push(at);
    expect(chain).toHaveLength(entries.length);
    expect(chain.at(-1)).toBe(newest);
  });

  it("logged no token", () => {
    const hooks = tagroll.logs().filter((line) => line.includes('"route":"/hooks/:token"'));
    expect(hooks.length).toBeGreaterThanOrEqual(3 * PUSHES);
    expect(tagroll.linesWithTokens()).toEqual([]);
  });
});
