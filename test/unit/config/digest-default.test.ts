import { describe, expect, it } from "vitest";
import { issuesOf, load, WEB_SERVICE } from "./config-fixtures.js";

const PEM = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";

/** README, "Supply chain": every service pins the digest unless it says `digest: false`. */
describe("digest pinning by default", () => {
  const service = (extra: string) => ({
    "/srv/tagroll.yaml": `${WEB_SERVICE}${extra}`,
    "/srv/cosign.pub": PEM,
  });

  it("pins IMAGE_DIGEST beside the tag key when the service says nothing", () => {
    const [web] = load(service("")).services;
    expect(web?.supplyChain?.digestKey).toBe("configs/web/IMAGE_DIGEST");
  });

  it("pins beside a configured tag key, and under a named key", () => {
    const [beside] = load(service("    key: apps/web/TAG\n")).services;
    expect(beside?.supplyChain?.digestKey).toBe("apps/web/IMAGE_DIGEST");
    const [named] = load(service("    digest: { key: apps/web/DIGEST }\n")).services;
    expect(named?.supplyChain?.digestKey).toBe("apps/web/DIGEST");
  });

  it("pins nothing with digest: false", () => {
    const [web] = load(service("    digest: false\n")).services;
    expect(web?.supplyChain).toBeUndefined();
    const [pruned] = load(service("    digest: false\n    prune: { keep: 3 }\n")).services;
    expect(pruned?.supplyChain?.digestKey).toBeUndefined();
    expect(pruned?.supplyChain?.prune).toEqual({ keep: 3, keepTags: [] });
  });

  it("refuses verify or poll with digest: false, saying what to change", () => {
    const verify = issuesOf(() =>
      load(service("    digest: false\n    verify: { cosignPublicKey: cosign.pub }\n")),
    );
    expect(verify).toEqual([
      expect.objectContaining({
        field: "services[0].verify",
        message: expect.stringMatching(/needs the image digest, but digest is false: remove "digest: false"/),
      }),
    ]);
    const poll = issuesOf(() => load(service("    digest: false\n    poll: { every: 5m }\n")));
    expect(poll).toEqual([expect.objectContaining({ field: "services[0].poll" })]);
  });
});
