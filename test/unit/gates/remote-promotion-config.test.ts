import { describe, expect, it } from "vitest";
import { needsGate } from "../../../src/coordinator/gates/index.js";
import { issuesOf, load } from "../config/config-fixtures.js";

const FILE = "/srv/tagroll.yaml";
const TOKEN = "/srv/prod-consul.token";

function config(yaml: string, files: Record<string, string> = {}) {
  return load({ [FILE]: `services:\n${yaml}`, ...files });
}

/** `promote.consul`: a target on another Consul/Nomad pair (README, "Promotion to another cluster"). */
describe("config: promotion to another pair", () => {
  it("reads the pair's Consul with its token from the file and defaults the target's key", () => {
    const { services } = config(
      `  - name: staging
    image: acme/web
    promote: { to: web-prod, approvals: 2, consul: { address: "https://consul.prod:8501", tokenFile: prod-consul.token } }
`,
      { [TOKEN]: "s3cret-token\n" },
    );
    expect(services[0]?.promote).toEqual({
      to: "web-prod",
      when: "succeeded",
      approvals: 2,
      remote: {
        consul: { address: "https://consul.prod:8501", token: "s3cret-token" },
        key: "configs/web-prod/IMAGE_TAG",
      },
    });
    // The target lives elsewhere: no local service of that name is needed, none is gated for it.
    expect(needsGate(services[0]!, services)).toBe(true);
  });

  it("takes an explicit key and datacenter; a local service of the target's name is not gated by it", () => {
    const { services } = config(`  - name: staging
    image: acme/web
    promote: { to: web-prod, approvals: 1, key: apps/prod/TAG, consul: { address: "http://10.0.0.9:8500", datacenter: eu1 } }
  - name: web-prod
    image: acme/web
`);
    expect(services[0]?.promote?.remote).toEqual({
      consul: { address: "http://10.0.0.9:8500", datacenter: "eu1" },
      key: "apps/prod/TAG",
    });
    expect(needsGate(services[1]!, services)).toBe(false);
  });

  it("gates a service that accepts promotions from another tagroll", () => {
    const { services } = config(`  - name: web-prod\n    image: acme/web\n    acceptsPromotions: true\n`);
    expect(services[0]?.acceptsPromotions).toBe(true);
    expect(needsGate(services[0]!, services)).toBe(true);
  });

  it("names the field and says what to fix: the shape first", () => {
    const issues = issuesOf(() =>
      config(`  - name: a
    image: acme/a
    promote: { to: b, consul: { address: "consul.prod:8500" } }
  - name: h
    image: acme/h
    promote: { to: e, consul: { address: "http://consul:8500", token: inline } }
`),
    );
    const text = issues.map((i) => `${i.field}: ${i.message}`).join("\n");
    expect(text).toMatch(/services\[0\]\.promote\.consul\.address: expected an http:\/\/ or https:\/\/ URL/);
    expect(text).toMatch(/services\[1\]\.promote\.consul\.token: unknown field/);
    // No issue repeats a token's content.
    expect(text).not.toContain("inline");
  });

  it("then the token file and the key", () => {
    const issues = issuesOf(() =>
      config(
        `  - name: c
    image: acme/c
    promote: { to: d, consul: { address: "http://consul:8500", tokenFile: missing.token } }
  - name: e
    image: acme/e
    promote: { to: f, consul: { address: "http://consul:8500", tokenFile: empty.token } }
  - name: g
    image: acme/g
    promote: { to: e, key: configs/x/TAG }
`,
        { "/srv/empty.token": "\n" },
      ),
    );
    const text = issues.map((i) => `${i.field}: ${i.message}`).join("\n");
    expect(text).toMatch(/services\[0\]\.promote\.consul\.tokenFile: .*missing\.token/);
    expect(text).toMatch(/services\[1\]\.promote\.consul\.tokenFile: the file is empty/);
    expect(text).toMatch(/services\[2\]\.promote\.key: only applies with promote\.consul/);
  });
});
