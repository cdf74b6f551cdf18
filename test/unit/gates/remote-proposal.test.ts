import { describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { parseGateRecord } from "../../../src/gates/gate-record.js";
import { proposeRemote, type RemoteProposal } from "../../../src/gates/remote-proposal.js";
import { TAGROLL_WRITE_FLAGS } from "../../../src/state/desired-tag-writer.js";
import { gateKey, historyEntryKey } from "../../../src/state/kv-layout.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";

const KEY = "configs/web-prod/IMAGE_TAG";
const P: RemoteProposal = {
  to: "web-prod",
  key: KEY,
  value: "v2",
  from: "web-staging@dc1",
  approvals: 2,
  rolloutId: "r-42",
};

/** The write into the other pair's Consul (src/gates/remote-proposal.ts), on a fake Consul. */
describe("proposeRemote", () => {
  it("writes the value, the gate's proposal and a history entry in one transaction", async () => {
    const kv = new FakeKvStore();
    await kv.set(KEY, "v1");
    expect(await proposeRemote(kv, P, systemClock)).toEqual({ outcome: "proposed", previous: "v1" });
    expect(await kv.get(KEY)).toMatchObject({ value: "v2", flags: TAGROLL_WRITE_FLAGS });
    const gate = parseGateRecord("web-prod", (await kv.get(gateKey("web-prod")))?.value);
    expect(gate.proposal).toMatchObject({ value: "v2", from: "web-staging@dc1", approvals: 2 });
    const entry = JSON.parse((await kv.get(historyEntryKey("web-prod", "r-42-promoted-from")))!.value);
    expect(entry).toMatchObject({
      kind: "promoted-from",
      tag: "v2",
      previous: "v1",
      source: "web-staging@dc1",
    });
    expect(kv.calls.filter((c) => c.startsWith("txn"))).toHaveLength(1);
  });

  it("keeps what the target's gate record holds besides the proposal", async () => {
    const kv = new FakeKvStore();
    const held = { version: 1, service: "web-prod", dropped: { value: "v0", at: 1, why: "rejected" } };
    await kv.set(gateKey("web-prod"), JSON.stringify(held));
    await proposeRemote(kv, P, systemClock);
    const gate = parseGateRecord("web-prod", (await kv.get(gateKey("web-prod")))?.value);
    expect(gate).toMatchObject({ dropped: held.dropped, proposal: { value: "v2" } });
  });

  it("is safe to repeat: a retry after a lost answer changes nothing", async () => {
    const kv = new FakeKvStore();
    await kv.set(KEY, "v1");
    await proposeRemote(kv, P, systemClock);
    await kv.set(KEY, "v1"); // the target's gate parked it meanwhile
    const again = await proposeRemote(kv, P, systemClock);
    expect(again).toEqual({ outcome: "already", reason: "already proposed (history entry found)" });
    expect((await kv.get(KEY))?.value).toBe("v1");
  });

  it("leaves a key that already holds the value alone", async () => {
    const kv = new FakeKvStore();
    await kv.set(KEY, "v2");
    expect(await proposeRemote(kv, P, systemClock)).toMatchObject({ outcome: "already" });
    expect(await kv.get(gateKey("web-prod"))).toBeUndefined();
  });

  it("throws when the other pair's Consul cannot be reached, writing nothing", async () => {
    const kv = new FakeKvStore();
    kv.unavailable = true;
    await expect(proposeRemote(kv, P, systemClock)).rejects.toThrow();
    kv.unavailable = false;
    expect(await kv.get(KEY)).toBeUndefined();
  });
});
