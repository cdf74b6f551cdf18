import { describe, expect, it } from "vitest";
import type { NomadApi } from "../../../src/nomad/nomad-api.js";
import { confirmRendered, waitRendered } from "../../../src/coordinator/steps/wait-rendered.js";
import type { StepContext } from "../../../src/coordinator/steps/index.js";
import type { GroupTarget } from "../../../src/coordinator/targets/index.js";
import { VirtualClock } from "./fakes/virtual-clock.js";
import { silentLogger } from "./fakes/harness.js";

const OLD = `sha256:${"a".repeat(64)}`;
const NEW = `sha256:${"b".repeat(64)}`;

/** One allocation whose `web/local/env` renders `content` until `at`, then `next`. */
function rendering(clock: VirtualClock, content: string, switchAt?: { at: number; next: string }) {
  const reads: string[] = [];
  const nomad = {
    readAllocFile: async (_alloc: string, path: string) => {
      reads.push(path);
      return switchAt && clock.now() >= switchAt.at ? switchAt.next : content;
    },
  } as unknown as NomadApi;
  const ctx = {
    nomad,
    clock,
    logger: silentLogger,
    signal: new AbortController().signal,
    timing: { renderPollMs: 100, pollMs: 250, watchMs: 1_000 },
  } as unknown as StepContext;
  return { ctx, reads };
}

const target = {
  files: ["web/local/env"],
  valueName: "IMAGE_TAG",
  digest: { name: "IMAGE_DIGEST", files: ["web/local/env"] },
  scope: {},
} as unknown as GroupTarget;
const ref = { allocId: "a1", scope: {} };

describe("render wait of a pinned service (a re-pushed tag changes only the digest)", () => {
  it("waits for the new digest although the tag is already rendered", async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const { ctx } = rendering(clock, `IMAGE_TAG=v1\nIMAGE_DIGEST=${OLD}\n`, {
      at: start + 5_000,
      next: `IMAGE_TAG=v1\nIMAGE_DIGEST=${NEW}\n`,
    });
    const outcome = await waitRendered(ctx, ref, target, { value: "v1", digest: NEW }, 60_000, () => false);
    expect(outcome).toBe("rendered");
    expect(clock.now() - start).toBeGreaterThanOrEqual(5_000);
  });

  it("times out while the old digest stays rendered, and confirm names the digest found", async () => {
    const clock = new VirtualClock();
    const { ctx } = rendering(clock, `IMAGE_TAG=v1\nIMAGE_DIGEST=${OLD}\n`);
    const expected = { value: "v1", digest: NEW };
    expect(await waitRendered(ctx, ref, target, expected, 2_000, () => false)).toBe("timeout");
    expect(await confirmRendered(ctx, ref, target, expected)).toEqual({
      ok: false,
      found: { "web/local/env IMAGE_DIGEST": OLD },
    });
  });

  it("without an expected digest only the tag counts, and a file is read once per look", async () => {
    const clock = new VirtualClock();
    const { ctx, reads } = rendering(clock, `IMAGE_TAG=v1\nIMAGE_DIGEST=${OLD}\n`);
    expect(await waitRendered(ctx, ref, target, { value: "v1" }, 2_000, () => false)).toBe("rendered");
    expect(reads).toEqual(["web/local/env"]);
    const both = await waitRendered(ctx, ref, target, { value: "v1", digest: OLD }, 2_000, () => false);
    expect(both).toBe("rendered");
  });
});
