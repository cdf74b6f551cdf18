import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";

/** `--log-level debug` shows every request tagroll makes to Consul and Nomad, and nothing secret. */
describe("serve at debug level", () => {
  let tagroll: TestTagroll;

  beforeAll(async () => {
    tagroll = await startTagroll({
      yaml: "services:\n  - name: debug-web\n    image: acme/debug-web\n",
      env: { CONSUL_HTTP_TOKEN: "consul-secret-token", NOMAD_TOKEN: "nomad-secret-token" },
    });
  });

  afterAll(async () => {
    await tagroll?.close();
  });

  it("logs one line per Consul and per Nomad call, with what was called and how long it took", async () => {
    expect((await fetch(`${tagroll.url}/readyz`)).status).toBe(200);
    await tagroll.runtime.kv.get("configs/debug-web/IMAGE_TAG");
    const calls = tagroll
      .logs()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["level"] === 20);
    expect(calls).toContainEqual(
      expect.objectContaining({ component: "consul", consul: "status.leader", ms: expect.any(Number) }),
    );
    expect(calls).toContainEqual(
      expect.objectContaining({ component: "consul", consul: "kv.get configs/debug-web/IMAGE_TAG" }),
    );
    expect(calls).toContainEqual(
      expect.objectContaining({
        component: "nomad",
        nomad: expect.stringMatching(/^GET \/v1\//),
        status: 200,
      }),
    );
    const text = tagroll.logs().join("\n");
    expect(text).not.toContain("consul-secret-token");
    expect(text).not.toContain("nomad-secret-token");
  });
});
