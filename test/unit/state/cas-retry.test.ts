import { describe, expect, it } from "vitest";
import { ConflictError } from "../../../src/core/errors.js";
import { casRetry } from "../../../src/state/cas-retry.js";
import { ManualClock } from "./manual-clock.js";

describe("casRetry", () => {
  it("returns the first round's value without sleeping", async () => {
    const clock = new ManualClock();
    await expect(casRetry("x", { clock }, async () => "done")).resolves.toBe("done");
    expect(clock.sleeps).toEqual([]);
  });

  it("retries lost rounds with a jittered backoff whose ceiling doubles up to the cap", async () => {
    const clock = new ManualClock();
    let rounds = 0;
    const result = await casRetry(
      "x",
      { clock, random: () => 0.999, baseBackoffMs: 10, maxBackoffMs: 50, maxAttempts: 10 },
      async (n) => {
        rounds = n;
        return n === 6 ? n : undefined;
      },
    );
    expect(result).toBe(6);
    expect(rounds).toBe(6);
    // ceilings 10, 20, 40, 50, 50 scaled by 0.999 and floored
    expect(clock.sleeps).toEqual([9, 19, 39, 49, 49]);
  });

  it("sleeps less when the jitter draws low", async () => {
    const clock = new ManualClock();
    await casRetry("x", { clock, random: () => 0.25, baseBackoffMs: 100 }, async (n) =>
      n === 2 ? true : undefined,
    );
    expect(clock.sleeps).toEqual([25]);
  });

  it("throws ConflictError naming the operation after maxAttempts", async () => {
    const clock = new ManualClock();
    const failing = casRetry(
      "append to tagroll/history/web",
      { clock, maxAttempts: 3 },
      async () => undefined,
    );
    await expect(failing).rejects.toThrow(ConflictError);
    await expect(failing).rejects.toThrow(/tagroll\/history\/web.*3/);
    expect(clock.sleeps).toHaveLength(2);
  });
});
