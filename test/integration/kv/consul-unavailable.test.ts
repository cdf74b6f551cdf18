import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AgentProcess } from "../../../src/agents/agent-process.js";
import { freePort, freePorts } from "../../../src/agents/free-port.js";
import { UpstreamUnavailableError } from "../../../src/core/errors.js";
import { ConsulKvStore, ConsulServiceHealth } from "../../../src/kv/consul-kv-store.js";
import { waitFor } from "../../helpers/cluster.js";

/**
 * What tagroll sees when Consul goes away: a private Consul agent (not the shared one) is
 * started, stopped mid-test and started again on the same port.
 */
describe("ConsulKvStore when Consul is unavailable", () => {
  let dir: string;
  let ports: number[];
  let agent: AgentProcess | undefined;
  let address: string;
  let kv: ConsulKvStore;
  let health: ConsulServiceHealth;

  const startAgent = async () => {
    const [http, lan, wan, server] = ports as [number, number, number, number];
    agent = AgentProcess.start(
      "consul-private",
      inject("consulBin"),
      ["agent", "-dev", "-node", "tagroll-private", "-bind", "127.0.0.1", "-client", "127.0.0.1"].concat(
        [
          "-http-port",
          `${http}`,
          "-serf-lan-port",
          `${lan}`,
          "-serf-wan-port",
          `${wan}`,
          "-server-port",
          `${server}`,
        ],
        [
          "-dns-port",
          "-1",
          "-grpc-port",
          "-1",
          "-hcl",
          "ports { grpc_tls = -1 }",
          "-hcl",
          "disable_update_check = true",
        ],
      ),
      join(dir, "consul.log"),
    );
    await waitFor("private consul leader", async () => {
      const res = await fetch(`${address}/v1/status/leader`, { signal: AbortSignal.timeout(2_000) });
      return res.ok && ((await res.json()) as string) !== "";
    });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tagroll-consul-private-"));
    ports = await freePorts(4);
    address = `http://127.0.0.1:${ports[0]}`;
    await startAgent();
    kv = new ConsulKvStore({ address }, { requestTimeoutMs: 5_000 });
    health = new ConsulServiceHealth(
      { address, token: "secret-token-never-printed" },
      { requestTimeoutMs: 5_000 },
    );
  });

  afterAll(async () => {
    kv?.close();
    health?.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("fails fast with UpstreamUnavailableError naming the address, then recovers on restart", async () => {
    expect(await kv.set("svc/IMAGE_TAG", "1")).toBe(true);
    expect(await health.ping()).toBe(true);

    // A blocking query in flight when the agent goes must settle, not hang for its 120 s wait:
    // a gracefully leaving agent answers it (a return need not mean a change), a dead one fails it.
    const { index } = await kv.list("svc/");
    const watching = kv.watchList("svc/", index, 120_000).then(
      (result) => result,
      (error: unknown) => error,
    );
    await agent?.stop();
    const inFlight = await watching;
    if (inFlight instanceof Error) expect(inFlight).toBeInstanceOf(UpstreamUnavailableError);
    // The watcher's next round fails at once.
    await expect(kv.watchList("svc/", index, 120_000)).rejects.toBeInstanceOf(UpstreamUnavailableError);

    const started = Date.now();
    const error = await kv.get("svc/IMAGE_TAG").catch((e: unknown) => e);
    // Generous bound: refused connections must not wait for a timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    const unavailable = error as UpstreamUnavailableError;
    expect(unavailable.upstream).toBe("consul");
    expect(unavailable.status).toBe(503);
    expect(unavailable.message).toContain(address);
    expect(unavailable.message).toMatch(/ECONNREFUSED/);
    expect(unavailable.message).toContain("svc/IMAGE_TAG");

    await expect(kv.set("svc/IMAGE_TAG", "2", { cas: 0 })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(kv.createSession({ name: "x", ttl: "10s", behavior: "release" })).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(await health.ping()).toBe(false);
    const healthError = await health.passingInstances("web").catch((e: unknown) => e);
    expect(healthError).toBeInstanceOf(UpstreamUnavailableError);
    expect(String((healthError as Error).message)).not.toContain("secret-token-never-printed");

    await startAgent();
    // Same store objects, no re-creation: keep-alive sockets to the dead agent must not stick.
    expect(await kv.set("svc/IMAGE_TAG", "3")).toBe(true);
    expect((await kv.get("svc/IMAGE_TAG"))?.value).toBe("3");
    expect(await health.ping()).toBe(true);
  });

  it("reports an address where nothing listens as unavailable", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const store = new ConsulKvStore({ address: nowhere });
    try {
      const error = await store.list("x/").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as Error).message).toContain(nowhere);
    } finally {
      store.close();
    }
  });
});
