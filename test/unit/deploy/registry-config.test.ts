import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const file = fileURLToPath(new URL("../../../deploy/registry/config.yml", import.meta.url));

interface Endpoint {
  name: string;
  url: string;
  headers: Record<string, unknown>;
  timeout: string;
  threshold: number;
  backoff: string;
  ignoredmediatypes: string[];
  ignore: { mediatypes: string[]; actions: string[] };
}

const config = parse(readFileSync(file, "utf8")) as {
  version: number | string;
  notifications: { endpoints: Endpoint[] };
};
const [endpoint] = config.notifications.endpoints;

describe("deploy/registry/config.yml", () => {
  it("is a registry configuration whose first endpoint posts to a tagroll webhook", () => {
    expect(String(config.version)).toBe("0.1");
    expect(new URL(endpoint!.url).pathname).toMatch(/^\/hooks\/[^/]+$/);
    expect(new URL(endpoint!.url).protocol).toBe("https:");
  });

  it("sends the static Authorization header as a list, the way Distribution reads headers", () => {
    const authorization = endpoint!.headers["Authorization"];
    expect(Array.isArray(authorization)).toBe(true);
    expect((authorization as string[])[0]).toMatch(/^Bearer \S+$/);
  });

  it("retries with a bounded timeout and a breaker (tagroll answers 503 until Consul is back)", () => {
    expect(endpoint!.timeout).toMatch(/^\d+(ms|s)$/);
    expect(endpoint!.backoff).toMatch(/^\d+(ms|s|m)$/);
    expect(endpoint!.threshold).toBeGreaterThan(0);
  });

  it("drops blob and pull events, in the old and the new spelling", () => {
    expect(endpoint!.ignoredmediatypes).toContain("application/octet-stream");
    expect(endpoint!.ignore.mediatypes).toContain("application/octet-stream");
    expect(endpoint!.ignore.actions).toEqual(["pull"]);
  });
});
