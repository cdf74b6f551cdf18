import { describe, expect, it } from "vitest";
import { issuesOf, KEYS_ENV, load } from "./config-fixtures.js";

const service = (extra: string, name = "web") => `  - name: ${name}\n    image: acme/web\n${extra}`;
const withServices = (...entries: string[]) => ({ "/srv/tagroll.yaml": `services:\n${entries.join("")}` });

describe("every validation error names its field", () => {
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ["port not a number", { "/srv/tagroll.yaml": "server:\n  port: abc\n" }, "server.port", /integer/],
    ["port out of range", { "/srv/tagroll.yaml": "server:\n  port: 70000\n" }, "server.port", /65535/],
    [
      "publicUrl not http",
      { "/srv/tagroll.yaml": "server:\n  publicUrl: ftp://x\n" },
      "server.publicUrl",
      /http/,
    ],
    ["bodyLimit", { "/srv/tagroll.yaml": "server:\n  bodyLimit: lots\n" }, "server.bodyLimit", /64KiB/],
    ["logLevel", { "/srv/tagroll.yaml": "logLevel: loud\n" }, "logLevel", /info/],
    ["historyLimit", { "/srv/tagroll.yaml": "historyLimit: 0\n" }, "historyLimit", />=1/],
    [
      "cron",
      { "/srv/tagroll.yaml": "coordinator:\n  reconcileSchedule: sometimes\n" },
      "coordinator.reconcileSchedule",
      /cron/,
    ],
    [
      "session TTL too short",
      { "/srv/tagroll.yaml": "coordinator:\n  sessionTtl: 5s\n" },
      "coordinator.sessionTtl",
      /10s/,
    ],
    [
      "bare number duration",
      { "/srv/tagroll.yaml": "coordinator:\n  deliveryTtl: 10\n" },
      "coordinator.deliveryTtl",
      /duration/,
    ],
    [
      "leader key absolute",
      { "/srv/tagroll.yaml": "coordinator:\n  leaderKey: /leader\n" },
      "coordinator.leaderKey",
      /"\/"/,
    ],
    ["unknown top-level field", { "/srv/tagroll.yaml": "servre:\n  port: 1\n" }, "servre", /unknown field/],
    ["unknown nested field", withServices(service("    polcy: {}\n")), "services[0].polcy", /unknown field/],
    ["service name traversal", withServices(service(""), service("", "../x")), "services[1].name", /a-z/],
    ["service name with slash", withServices(service("", "a/b")), "services[0].name", /a-z/],
    ["service name upper case", withServices(service("", "Web")), "services[0].name", /a-z/],
    ["service name too long", withServices(service("", "a".repeat(64))), "services[0].name", /1-63/],
    [
      "image with tag",
      withServices("  - name: web\n    image: acme/web:1.0\n"),
      "services[0].image",
      /without tag/,
    ],
    ["missing image", withServices("  - name: web\n"), "services[0].image", /expected string/],
    ["key with ..", withServices(service("    key: configs/../secrets\n")), "services[0].key", /"\.\."/],
    ["key absolute", withServices(service("    key: /configs/web\n")), "services[0].key", /"\/"/],
    ["key in tagroll/", withServices(service("    key: tagroll/leader\n")), "services[0].key", /tagroll\//],
    [
      "key with newline",
      withServices(service('    key: "configs/web\\nX"\n')),
      "services[0].key",
      /whitespace/,
    ],
    ["unknown source", withServices(service("    source: gitlab\n")), "services[0].source", /dockerhub/],
    [
      "policy order",
      withServices(service("    policy:\n      order: random\n")),
      "services[0].policy.order",
      /semver/,
    ],
    [
      "policy match",
      withServices(service('    policy:\n      match: "("\n')),
      "services[0].policy.match",
      /regular expression/,
    ],
    [
      "policy range",
      withServices(service("    policy:\n      order: semver\n      range: nope\n")),
      "services[0].policy.range",
      /semver range/,
    ],
    [
      "range without semver",
      withServices(service("    policy:\n      order: numeric\n      range: ^1.0.0\n")),
      "services[0].policy.range",
      /only applies/,
    ],
    [
      "rollout duration",
      withServices(service("    rollout:\n      minHealthyTime: ten\n")),
      "services[0].rollout.minHealthyTime",
      /duration/,
    ],
    [
      "rollout parallel",
      withServices(service("    rollout:\n      maxParallel: 0\n")),
      "services[0].rollout.maxParallel",
      />=1/,
    ],
    ["job id empty", withServices(service('    jobs: [""]\n')), "services[0].jobs[0].id", /empty/],
    [
      "duplicate name",
      withServices(service(""), service("")),
      "services[1].name",
      /already used by services\[0\]/,
    ],
    [
      "duplicate key",
      withServices(service(""), service("    key: configs/web/IMAGE_TAG\n", "api")),
      "services[1].key",
      /already used/,
    ],
    [
      "defaults block",
      { "/srv/tagroll.yaml": "defaults:\n  policy:\n    order: lexical\n" },
      "defaults.policy.order",
      /semver/,
    ],
    [
      "TLS cert without key",
      { "/srv/tagroll.yaml": "server:\n  tls:\n    certFile: a.pem\n", "/srv/a.pem": "x" },
      "server.tls",
      /together/,
    ],
    [
      "TLS file missing",
      {
        "/srv/tagroll.yaml": "server:\n  tls:\n    certFile: a.pem\n    keyFile: b.pem\n",
        "/srv/a.pem": "x",
      },
      "server.tls.keyFile",
      /not found: \/srv\/b\.pem/,
    ],
    [
      "client cert without key",
      { "/srv/tagroll.yaml": "consul:\n  clientCertFile: c.pem\n", "/srv/c.pem": "x" },
      "consul.clientCertFile",
      /together/,
    ],
    [
      "unix socket address",
      { "/srv/tagroll.yaml": "consul:\n  address: unix:///run/consul.sock\n" },
      "consul.address",
      /not supported/,
    ],
  ];

  it.each(cases)("%s", (_name, files, field, message) => {
    const issues = issuesOf(() => load(files));
    expect(issues).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it("names the variable or flag a bad value came from", () => {
    expect(issuesOf(() => load({}, { env: { ...KEYS_ENV, TAGROLL_PORT: "eighty" } }))).toEqual([
      { field: "server.port (from TAGROLL_PORT)", message: expect.stringMatching(/integer/) },
    ]);
    const fromFlag = issuesOf(() => load({}, { flags: { logLevel: "loud" } }));
    expect(fromFlag[0]?.field).toBe("logLevel (from --log-level)");
    const fromHashicorp = issuesOf(() => load({}, { env: { ...KEYS_ENV, NOMAD_ADDR: "ftp://x" } }));
    expect(fromHashicorp[0]?.field).toBe("nomad.address (from NOMAD_ADDR)");
    const bool = issuesOf(() => load({}, { env: { ...KEYS_ENV, TAGROLL_COORDINATOR: "maybe" } }));
    expect(bool[0]?.field).toBe("coordinator.enabled (from TAGROLL_COORDINATOR)");
  });

  it("reports every problem at once", () => {
    const issues = issuesOf(() =>
      load(withServices(service("", "../x"), service("    key: /abs\n", "ok")), {
        env: { ...KEYS_ENV, TAGROLL_PORT: "x" },
      }),
    );
    expect(issues.map((issue) => issue.field).sort()).toEqual([
      "server.port (from TAGROLL_PORT)",
      "services[0].name",
      "services[1].key",
    ]);
  });
});

describe("accepted service settings", () => {
  it("keeps policy, jobs, rollout overrides and defaults", () => {
    const yaml = [
      "defaults:",
      "  policy: { order: semver, allowLatest: true }",
      "  rollout: { maxParallel: 2 }",
      "services:",
      "  - name: web-1",
      "    image: ghcr.io/acme/web",
      "    key: configs/web-1/TAG",
      "    source: ghcr",
      "    policy: { range: ^2.0.0, match: 'v?\\d+\\.\\d+\\.\\d+' }",
      "    jobs: [web, { id: web-canary, namespace: prod, groups: [api], tasks: [app] }]",
      "    rollout: { minHealthyTime: 10s, healthyDeadline: 3m, autoRevert: false, renderTimeout: 500ms }",
    ].join("\n");
    const [web] = load({ "/srv/tagroll.yaml": yaml }).services;
    expect(web).toEqual({
      name: "web-1",
      image: "ghcr.io/acme/web",
      key: "configs/web-1/TAG",
      source: "ghcr",
      secrets: {},
      policy: {
        order: "semver",
        range: "^2.0.0",
        match: "v?\\d+\\.\\d+\\.\\d+",
        allowLatest: true,
        allowDowngrade: false,
      },
      jobs: [{ id: "web" }, { id: "web-canary", namespace: "prod", groups: ["api"], tasks: ["app"] }],
      rollout: {
        maxParallel: 2,
        minHealthyTimeMs: 10_000,
        healthyDeadlineMs: 180_000,
        autoRevert: false,
        renderTimeoutMs: 500,
      },
      // Digest pinning is on by default, beside the configured tag key (README, "Supply chain").
      supplyChain: { digestKey: "configs/web-1/IMAGE_DIGEST", publicKeys: [] },
    });
  });
});
