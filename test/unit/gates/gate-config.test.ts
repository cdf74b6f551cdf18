import { describe, expect, it } from "vitest";
import { issuesOf, load } from "../config/config-fixtures.js";

const FILE = "/srv/tagroll.yaml";

function services(yaml: string) {
  return { [FILE]: `services:\n${yaml}` };
}

describe("config: approvals, windows, promote", () => {
  it("reads them onto the service (durations in ms, windows parsed)", () => {
    const config = load(
      services(`  - name: staging
    image: acme/web
    promote: { to: prod, approvals: 1 }
  - name: prod
    image: acme/web
    approvals: { required: 2, expire: 24h }
    windows: ["Mon-Fri 09:00-17:00 Europe/Berlin"]
`),
    );
    const [staging, prod] = config.services;
    expect(staging?.promote).toEqual({ to: "prod", when: "succeeded", approvals: 1 });
    expect(prod?.approvals).toEqual({ required: 2, expireMs: 86_400_000 });
    expect(prod?.windows?.[0]).toMatchObject({ zone: "Europe/Berlin", start: 540, length: 480 });
    expect(staging?.approvals).toBeUndefined();
  });

  it("names the field and says what to fix", () => {
    const issues = issuesOf(() =>
      load(
        services(`  - name: a
    image: acme/a
    windows: ["Mon-Fri 09:00-17:00 Mars/Olympus"]
    approvals: { required: 0 }
    promote: { to: nowhere }
  - name: b
    image: acme/b
    promote: { to: c }
  - name: c
    image: acme/c
    promote: { to: b }
`),
      ),
    );
    const text = issues.map((i) => `${i.field}: ${i.message}`).join("\n");
    expect(text).toMatch(/services\[0\]\.windows\[0\]: .*unknown time zone "Mars\/Olympus"/);
    expect(text).toMatch(/services\[0\]\.approvals\.required: /);
  });

  it("refuses promotion to an unknown service and promotion loops", () => {
    const unknown = issuesOf(() =>
      load(services(`  - name: a\n    image: acme/a\n    promote: { to: nowhere }\n`)),
    );
    expect(unknown).toContainEqual({
      field: "services[0].promote.to",
      message: '"nowhere" is not a configured service',
    });
    const loop = issuesOf(() =>
      load(
        services(
          `  - name: b\n    image: acme/b\n    promote: { to: c }\n  - name: c\n    image: acme/c\n    promote: { to: b }\n`,
        ),
      ),
    );
    expect(loop.map((i) => i.message)).toContain('promotions loop back to "b"; remove one promote');
  });
});
