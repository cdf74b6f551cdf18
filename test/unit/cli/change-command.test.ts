import { describe, expect, it } from "vitest";
import { runChange } from "../../../src/cli/change-command.js";
import { parseTtl } from "../../../src/cli/parse-ttl.js";
import { capture, rolloutEvents, ScriptedClient } from "./fake-client.js";

const wait = { wait: true, timeout: 60_000 };

describe("deploy / rollback / restart", () => {
  it("without --wait says what was written and exits 0 without following", async () => {
    const client = new ScriptedClient();
    const out = capture();
    const code = await runChange(client, out, "web", { timeout: 60_000 }, () => client.deploy("web", "v2"));
    expect(code).toBe(0);
    expect(out.stdout).toEqual([
      "web: configs/web/IMAGE_TAG v1 → v2",
      "follow it with: tagroll status web  (or pass --wait)",
    ]);
    expect(client.calls).toEqual(["deploy web v2"]);
  });

  it("--wait prints each step on stderr, the outcome on stdout, and skips the older rollout", async () => {
    const client = new ScriptedClient();
    client.events = rolloutEvents("succeeded");
    const out = capture();
    const code = await runChange(client, out, "web", wait, () => client.deploy("web", "v2"));
    expect(code).toBe(0);
    expect(client.calls).toEqual(["deploy web v2", "follow web after=r0"]);
    expect(out.stderr).toEqual([
      "web: starting deploy to v2 (from v1)",
      "web: web/web.app[0] 1111aaaa restarting",
      "web: web/web.app[0] 1111aaaa healthy",
    ]);
    expect(out.stdout.at(-1)).toBe("web: rollout succeeded on v2 after 12.3s");
  });

  it.each(["reverted", "failed"] as const)("--wait exits 2 when the rollout ends %s", async (status) => {
    const client = new ScriptedClient();
    client.events = rolloutEvents(status);
    expect(await runChange(client, capture(), "web", wait, () => client.rollback("web"))).toBe(2);
  });

  it("--wait --json prints one JSON document with the result and the final event", async () => {
    const client = new ScriptedClient();
    client.events = rolloutEvents("succeeded");
    const out = capture();
    await runChange(client, out, "web", { ...wait, json: true }, () => client.restart("web"));
    expect(out.stdout).toHaveLength(1);
    expect(JSON.parse(out.stdout[0]!)).toEqual({
      service: "web",
      requestId: "req-1",
      rolloutBefore: "r0",
      rollout: {
        type: "rollout-finished",
        service: "web",
        rolloutId: "r1",
        at: 0,
        status: "succeeded",
        value: "v2",
        durationMs: 12_300,
      },
    });
  });

  it("an unchanged value has nothing to follow, even with --wait", async () => {
    const client = new ScriptedClient();
    client.deployResult = {
      service: "web",
      key: "configs/web/IMAGE_TAG",
      value: "v2",
      previous: "v2",
      changed: false,
    };
    const out = capture();
    expect(await runChange(client, out, "web", wait, () => client.deploy("web", "v2"))).toBe(0);
    expect(out.stdout).toEqual(["web: configs/web/IMAGE_TAG is already v2; nothing to roll out"]);
    expect(client.calls).toEqual(["deploy web v2"]);
  });

  it("gives up after --timeout with an error that says the rollout goes on", async () => {
    const client = new ScriptedClient();
    client.events = rolloutEvents("succeeded").slice(0, 2);
    client.hang = true;
    const out = capture();
    await expect(
      runChange(client, out, "web", { wait: true, timeout: 50 }, () => client.deploy("web", "v2")),
    ).rejects.toThrow(/gave up waiting after 0.05s before the rollout finished; it goes on/);
  });
});

describe("parseTtl", () => {
  it("takes Go durations and whole days, refuses the rest", () => {
    expect(parseTtl("90s", "--ttl")).toBe(90_000);
    expect(parseTtl("1h30m", "--ttl")).toBe(5_400_000);
    expect(parseTtl("30d", "--ttl")).toBe(30 * 86_400_000);
    for (const bad of ["30", "0d", "0s", "1w", "-5m", ""])
      expect(() => parseTtl(bad, "--ttl")).toThrow(/--ttl/);
  });
});
