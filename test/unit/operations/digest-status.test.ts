import { describe, expect, it } from "vitest";
import type { RolloutRecord } from "../../../src/coordinator/index.js";
import { digestStatus } from "../../../src/operations/service-status.js";
import { TAGROLL_WRITE_FLAGS } from "../../../src/state/desired-tag-writer.js";
import { serviceConfig } from "../coordinator/fakes/harness.js";

const DIGEST = `sha256:${"c".repeat(64)}`;
const pinned = {
  ...serviceConfig("web"),
  supplyChain: { digestKey: "configs/web/IMAGE_DIGEST", publicKeys: [] },
};
const rollout = (status: RolloutRecord["status"]): RolloutRecord => ({
  version: 1,
  id: "r1",
  service: "web",
  key: "configs/web/IMAGE_TAG",
  kind: "restart",
  value: "v1",
  status,
  superseded: [],
  allocs: [],
  startedAt: 0,
  updatedAt: 0,
  digest: DIGEST,
});

describe('digest part of a service\'s status (README, "Supply chain")', () => {
  it("is absent for a service that does not pin digests", () => {
    expect(digestStatus(serviceConfig("web"), DIGEST, rollout("succeeded"))).toBeUndefined();
  });

  it("deployed is the digest of a succeeded rollout only", () => {
    expect(digestStatus(pinned, DIGEST, rollout("succeeded"))).toEqual({
      key: "configs/web/IMAGE_DIGEST",
      desired: DIGEST,
      deployed: DIGEST,
    });
    for (const status of ["running", "failed", "reverted", "reverting"] as const) {
      expect(digestStatus(pinned, DIGEST, rollout(status))).toEqual({
        key: "configs/web/IMAGE_DIGEST",
        desired: DIGEST,
      });
    }
    expect(digestStatus(pinned, undefined, undefined)).toEqual({ key: "configs/web/IMAGE_DIGEST" });
  });

  it("says the digest is pending while the tag key was written after the digest key, and not otherwise", () => {
    const status = (written: { tagIndex?: number; digest?: { modifyIndex: number; flags?: number } }) =>
      digestStatus(pinned, DIGEST, rollout("succeeded"), { ...written, tag: "v2" })?.pending;
    // One transaction (a webhook), or the digest pinned by tagroll after the tag: nothing pending.
    expect(status({ tagIndex: 40, digest: { modifyIndex: 40 } })).toBeUndefined();
    expect(status({ tagIndex: 40, digest: { modifyIndex: 41, flags: TAGROLL_WRITE_FLAGS } })).toBeUndefined();
    // A digest put by hand after the tag: the leader resolves the tag again before any restart.
    expect(status({ tagIndex: 40, digest: { modifyIndex: 41, flags: 0 } })).toMatch(/without its digest/);
    // `consul kv put` of the tag alone, or no digest key yet.
    expect(status({ tagIndex: 42, digest: { modifyIndex: 41 } })).toBe(
      "v2 was written without its digest; the leader pins it before any restart",
    );
    expect(status({ tagIndex: 42 })).toMatch(/without its digest/);
    // The rollout of that tag ended (a refused tag ends failed): its record says what happened.
    const failed = { ...rollout("failed"), value: "v2" };
    expect(
      digestStatus(pinned, DIGEST, failed, { tagIndex: 42, digest: { modifyIndex: 41 }, tag: "v2" })?.pending,
    ).toBeUndefined();
    // No tag key at all: nothing to pin.
    expect(status({ digest: { modifyIndex: 41 } })).toBeUndefined();
  });
});
