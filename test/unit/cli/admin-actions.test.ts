import { describe, expect, it } from "vitest";
import { AdminActions } from "../../../src/api/admin-actions.js";
import { Operations } from "../../../src/operations/index.js";
import { createLogger } from "../../../src/core/logger.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { config, JobsOnlyNomad, service } from "./check/check-fixtures.js";
import { requestKey, rolloutKey } from "../../../src/state/kv-layout.js";

function setup() {
  const kv = new FakeKvStore();
  const cfg = config([service("web"), service("api")]);
  const history = new HistoryStore(kv, { limit: 100 });
  const operations = new Operations({
    config: cfg,
    kv,
    nomad: new JobsOnlyNomad([]),
    logger: createLogger({ level: "silent" }),
  });
  return { kv, history, actions: new AdminActions({ operations, config: cfg, kv, history }) };
}

const record = (service: string, status: string, id: string) =>
  JSON.stringify({
    version: 1,
    id,
    service,
    key: `configs/${service}/IMAGE_TAG`,
    kind: "deploy",
    value: "v2",
    status,
    superseded: [],
    allocs: [],
    startedAt: 1,
    updatedAt: 2,
  });

describe("AdminActions (the JSON the API and --json print)", () => {
  it("history: newest first, --limit keeps the newest n, unknown service is 404", async () => {
    const { actions } = setup();
    for (const tag of ["v1", "v2", "v3"]) await actions.deploy("web", tag, {}, "api:ci");
    const report = await actions.history("web", 2);
    expect(report.service).toBe("web");
    expect(report.entries.map((e) => [e.tag, e.previous, e.source, e.kind])).toEqual([
      ["v3", "v2", "api:ci", "operator"],
      ["v2", "v1", "api:ci", "operator"],
    ]);
    expect(Object.keys(report.entries[0]!).sort()).toEqual([
      "at",
      "id",
      "kind",
      "outcome",
      "previous",
      "source",
      "tag",
    ]);
    await expect(actions.history("nope")).rejects.toMatchObject({ status: 404 });
    await expect(actions.history("web", 0)).rejects.toMatchObject({ status: 400 });
  });

  it("rollouts: only running ones unless all; restart remembers the record it replaces", async () => {
    const { kv, actions } = setup();
    await kv.set(rolloutKey("web"), record("web", "running", "r-web"));
    await kv.set(rolloutKey("api"), record("api", "succeeded", "r-api"));
    expect((await actions.rollouts()).rollouts.map((r) => r.id)).toEqual(["r-web"]);
    expect((await actions.rollouts(true)).rollouts.map((r) => r.id)).toEqual(["r-web", "r-api"]);

    const restart = await actions.restart("api", "api:ops");
    expect(restart).toEqual({ service: "api", requestId: restart.requestId, rolloutBefore: "r-api" });
    expect(JSON.parse((await kv.get(requestKey("api")))!.value)).toMatchObject({
      kind: "restart",
      by: "api:ops",
    });
    await expect(actions.restart("nope")).rejects.toMatchObject({ status: 404 });
  });
});
