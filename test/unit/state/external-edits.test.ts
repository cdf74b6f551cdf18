import { describe, expect, it } from "vitest";
import { writeDesiredTag } from "../../../src/state/desired-tag-writer.js";
import { ExternalEdits } from "../../../src/state/external-edits.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { capturingLogger } from "../../helpers/tagroll.js";
import { InterferingKvStore } from "./interfering-kv-store.js";
import { ManualClock } from "./manual-clock.js";

const KEY = "configs/web/IMAGE_TAG";

function setup() {
  const kv = new InterferingKvStore();
  const history = new HistoryStore(kv, { clock: new ManualClock() });
  const edits = new ExternalEdits({
    services: [{ name: "web", key: KEY }],
    kv,
    history,
    log: capturingLogger().log,
  });
  return { kv, history, edits };
}

describe("ExternalEdits", () => {
  it("records a value written without tagroll's Flags as an operator edit with its ModifyIndex", async () => {
    const { kv, history, edits } = setup();
    const { modifyIndex } = await kv.put(KEY, "v3"); // as `consul kv put` writes it: Flags 0
    expect(await edits.record({ service: "web", value: "v3", previousValue: "v2" })).toBe(true);
    expect(await edits.record({ service: "web", value: "v3", previousValue: "v2" })).toBe(true);
    expect(await history.list("web")).toEqual([
      expect.objectContaining({
        id: `consul-kv-${modifyIndex}`,
        kind: "operator",
        tag: "v3",
        previous: "v2",
        source: "consul-kv",
        modifyIndex,
        message: `written to ${KEY} outside tagroll (Consul ModifyIndex ${modifyIndex})`,
      }),
    ]);
  });

  it("leaves alone what tagroll wrote itself, and a value that changed again since", async () => {
    const { kv, history, edits } = setup();
    await writeDesiredTag(kv, KEY, () => ({ write: "v4" }));
    expect((await kv.get(KEY))?.flags).toBeGreaterThan(0);
    expect(await edits.record({ service: "web", value: "v4" })).toBe(false);
    await kv.put(KEY, "v5");
    expect(await edits.record({ service: "web", value: "v4" })).toBe(false);
    expect(await history.list("web")).toEqual([]);
  });

  it("looks only at deploys that start or supersede, not at resumed rollouts or restarts", async () => {
    const { kv, history, edits } = setup();
    await kv.put(KEY, "v3");
    const base = { service: "web", value: "v3" };
    edits.onRolloutStarted({ ...base, kind: "restart", resumed: false });
    edits.onRolloutStarted({ ...base, kind: "deploy", resumed: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(await history.list("web")).toEqual([]);
    edits.onRolloutSuperseded({ service: "web", from: "v2", to: "v3" });
    await new Promise((r) => setTimeout(r, 10));
    expect(await history.list("web")).toEqual([expect.objectContaining({ tag: "v3", previous: "v2" })]);
  });
});
