import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePorts } from "../../../src/agents/free-port.js";

/** src/agents/free-port.ts: ports an agent binds later must not be ones outgoing connections take. */
describe("freePorts", () => {
  it("hands out distinct, bindable ports outside the kernel's ephemeral range", async () => {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) {
      expect(port >= lo! && port <= hi!, `port ${port} is in the ephemeral range ${lo}-${hi}`).toBe(false);
      expect(port).toBeGreaterThanOrEqual(10_000);
    }
    const server = createServer();
    await new Promise<void>((done) => server.listen(ports[0], "127.0.0.1", done));
    await new Promise<void>((done) => server.close(() => done()));
  });
});
