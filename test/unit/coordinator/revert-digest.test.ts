import { describe, expect, it } from "vitest";
import { revertValue } from "../../../src/coordinator/revert-value.js";
import { settledDigest, supersedeRecord, type RolloutRecord } from "../../../src/coordinator/model/index.js";
import { TAGROLL_WRITE_FLAGS } from "../../../src/state/desired-tag-writer.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { systemClock } from "../../../src/core/clock.js";

const TAG_KEY = "configs/web/IMAGE_TAG";
const DIGEST_KEY = "configs/web/IMAGE_DIGEST";
const GOOD = `sha256:${"a".repeat(64)}`;
const BAD = `sha256:${"b".repeat(64)}`;

/** README, "Supply chain": autoRevert puts the previous digest back with the previous tag. */
describe("revert of a pinned service", () => {
  it("writes the previous tag and digest in one transaction while the key holds the failing value", async () => {
    const kv = new FakeKvStore();
    await kv.set(TAG_KEY, "v2");
    await kv.set(DIGEST_KEY, BAD);
    kv.calls.length = 0;
    const write = await revertValue(kv, TAG_KEY, "v2", "v1", systemClock, { key: DIGEST_KEY, value: GOOD });
    expect(write).toEqual({ written: true });
    expect(await kv.get(TAG_KEY)).toMatchObject({ value: "v1", flags: TAGROLL_WRITE_FLAGS });
    expect(await kv.get(DIGEST_KEY)).toMatchObject({ value: GOOD, flags: TAGROLL_WRITE_FLAGS });
    expect(kv.calls.filter((c) => c.startsWith("txn"))).toEqual([`txn cas ${TAG_KEY}, cas ${DIGEST_KEY}`]);
  });

  it("writes nothing when someone wrote a newer value meanwhile", async () => {
    const kv = new FakeKvStore();
    await kv.set(TAG_KEY, "v3");
    await kv.set(DIGEST_KEY, BAD);
    const write = await revertValue(kv, TAG_KEY, "v2", "v1", systemClock, { key: DIGEST_KEY, value: GOOD });
    expect(write).toEqual({ written: false, current: "v3" });
    expect((await kv.get(DIGEST_KEY))?.value).toBe(BAD);
  });

  it("knows the digest a record settled on, and keeps a superseded restart's digest as the previous one", () => {
    const record = {
      version: 1,
      id: "r1",
      service: "web",
      key: TAG_KEY,
      kind: "deploy",
      value: "v2",
      previousValue: "v1",
      status: "succeeded",
      superseded: [],
      allocs: [],
      startedAt: 0,
      updatedAt: 0,
      digest: BAD,
      previousDigest: GOOD,
    } satisfies RolloutRecord;
    expect(settledDigest(record)).toBe(BAD);
    expect(settledDigest({ ...record, status: "reverted" })).toBe(GOOD);
    // An adopted value keeps the digest that was beside it: the first rollout's revert needs it.
    expect(settledDigest({ ...record, kind: "adopted" })).toBe(BAD);
    const restart: RolloutRecord = { ...record, kind: "restart", status: "running" };
    delete restart.previousDigest;
    supersedeRecord(restart, "v3");
    expect(restart).toMatchObject({ value: "v3", previousValue: "v2", previousDigest: BAD });
    expect(restart.digest).toBeUndefined();
  });
});
