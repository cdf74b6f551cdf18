import { describe, expect, it } from "vitest";
import { ConflictError, UpstreamUnavailableError } from "../../../src/core/errors.js";
import { writeDesiredTag, type TagDecision } from "../../../src/state/desired-tag-writer.js";
import { InterferingKvStore } from "./interfering-kv-store.js";
import { ManualClock } from "./manual-clock.js";

const KEY = "configs/web/IMAGE_TAG";

/** "Newest numeric wins": write our tag only if it is greater than what is stored. */
const newerThan =
  (tag: string) =>
  (current: string | undefined): TagDecision =>
    current === undefined || Number(tag) > Number(current) ? { write: tag } : { skip: `${current} is newer` };

describe("writeDesiredTag", () => {
  it("creates a missing key with a create-only CAS", async () => {
    const kv = new InterferingKvStore();
    const result = await writeDesiredTag(kv, KEY, newerThan("5"), { clock: new ManualClock() });
    expect(result).toEqual({ outcome: "written", previous: undefined, value: "5" });
    expect(kv.calls).toContain(`set ${KEY} cas=0`);
    expect((await kv.get(KEY))?.value).toBe("5");
  });

  it("writes against the ModifyIndex it read and reports the previous value", async () => {
    const kv = new InterferingKvStore();
    const stored = await kv.put(KEY, "3");
    const result = await writeDesiredTag(kv, KEY, newerThan("7"), { clock: new ManualClock() });
    expect(result).toEqual({ outcome: "written", previous: "3", value: "7" });
    expect(kv.calls).toContain(`set ${KEY} cas=${stored.modifyIndex}`);
  });

  it("writes nothing when the decision is to skip", async () => {
    const kv = new InterferingKvStore();
    await kv.put(KEY, "9");
    const result = await writeDesiredTag(kv, KEY, newerThan("4"), { clock: new ManualClock() });
    expect(result).toEqual({ outcome: "skipped", reason: "9 is newer", current: "9" });
    expect(kv.calls.filter((c) => c.startsWith("set") && c.includes(" cas="))).toEqual([]);
  });

  it("does not rewrite the value already stored", async () => {
    const kv = new InterferingKvStore();
    await kv.put(KEY, "4");
    const result = await writeDesiredTag(kv, KEY, () => ({ write: "4" }), { clock: new ManualClock() });
    expect(result.outcome).toBe("skipped");
    expect(kv.calls.filter((c) => c.startsWith("set") && c.includes(" cas="))).toEqual([]);
  });

  it("re-reads and re-decides when a concurrent write wins the CAS", async () => {
    const kv = new InterferingKvStore();
    await kv.put(KEY, "1");
    let interfered = false;
    kv.beforeSet = () => {
      if (interfered) return;
      interfered = true;
      return kv.put(KEY, "8"); // another push lands between our read and our write
    };
    const seen: Array<string | undefined> = [];
    const result = await writeDesiredTag(
      kv,
      KEY,
      (current) => {
        seen.push(current);
        return newerThan("6")(current);
      },
      { clock: new ManualClock() },
    );
    expect(seen).toEqual(["1", "8"]);
    expect(result).toEqual({ outcome: "skipped", reason: "8 is newer", current: "8" });
    expect((await kv.get(KEY))?.value).toBe("8");
  });

  it("ends with the greatest value when many writers race", async () => {
    const kv = new InterferingKvStore();
    const clock = new ManualClock();
    const tags = Array.from({ length: 30 }, (_, i) => String((i * 7) % 30));
    const results = await Promise.all(tags.map((tag) => writeDesiredTag(kv, KEY, newerThan(tag), { clock })));
    expect((await kv.get(KEY))?.value).toBe("29");
    const written = results.filter((r) => r.outcome === "written");
    expect(written.length).toBeGreaterThan(0);
    // Every successful write replaced a smaller value: no update was lost or went backwards.
    for (const w of written) {
      if (w.outcome === "written" && w.previous !== undefined) {
        expect(Number(w.value)).toBeGreaterThan(Number(w.previous));
      }
    }
  });

  it("gives up with ConflictError after maxAttempts lost rounds, backing off in between", async () => {
    const kv = new InterferingKvStore();
    let others = 0;
    kv.beforeSet = (key) => kv.put(key, `someone-else-${++others}`);
    const clock = new ManualClock();
    const attempt = writeDesiredTag(kv, KEY, () => ({ write: "mine" }), {
      clock,
      maxAttempts: 4,
      random: () => 0.5,
    });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect(kv.calls.filter((c) => c.startsWith("set") && c.includes(" cas="))).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
  });

  it("lets Consul being down surface as UpstreamUnavailableError", async () => {
    const kv = new InterferingKvStore();
    kv.get = () => Promise.reject(new UpstreamUnavailableError("consul", "down"));
    await expect(
      writeDesiredTag(kv, KEY, newerThan("1"), { clock: new ManualClock() }),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});
