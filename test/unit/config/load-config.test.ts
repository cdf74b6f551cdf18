import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { ValidationError } from "../../../src/core/errors.js";
import { ConfigError } from "../../../src/config/config-error.js";
import { issuesOf, KEYS_ENV, load, memoryFiles, WEB_SERVICE } from "./config-fixtures.js";

describe("loadConfig defaults", () => {
  it("fills every default when only signing keys are given", () => {
    const config = load({});
    expect(config.server).toEqual({
      host: "0.0.0.0",
      port: 8080,
      publicUrl: "http://localhost:8080",
      bodyLimit: 64 * 1024,
    });
    expect(config.historyLimit).toBe(100);
    expect(config.logLevel).toBe("info");
    expect(config.coordinator).toEqual({
      enabled: true,
      reconcileSchedule: "*/10 * * * * *",
      reconcileBatch: 25,
      leaderKey: "tagroll/leader",
      sessionTtl: "15s",
      deliveryTtlMs: 24 * 3_600_000,
    });
    expect(config.consul).toEqual({ address: "http://127.0.0.1:8500" });
    expect(config.nomad).toEqual({ address: "http://127.0.0.1:4646" });
    expect(config.services).toEqual([]);
    expect(config.configFile).toBeUndefined();
  });

  it("defaults a service's key, policy and rollout", () => {
    const [web] = load({ "/srv/tagroll.yaml": WEB_SERVICE }).services;
    expect(web).toEqual({
      name: "web",
      image: "docker.io/acme/web",
      key: "configs/web/IMAGE_TAG",
      secrets: {},
      policy: { order: "none", allowDowngrade: false, allowLatest: false },
      jobs: [],
      rollout: { autoRevert: true, renderTimeoutMs: 60_000 },
      // Digest pinning is on by default (README, "Supply chain").
      supplyChain: { digestKey: "configs/web/IMAGE_DIGEST", publicKeys: [] },
    });
  });

  it("derives publicUrl from the port that was finally chosen", () => {
    expect(load({}, { flags: { port: "9000" } }).server.publicUrl).toBe("http://localhost:9000");
  });
});

describe("loadConfig precedence: flags > env > file > defaults", () => {
  const file = { "/srv/tagroll.yaml": "server:\n  port: 7000\n  host: 10.0.0.1\nlogLevel: warn\n" };

  it("file beats default", () => {
    const config = load(file);
    expect(config.server.port).toBe(7000);
    expect(config.logLevel).toBe("warn");
  });

  it("env beats file", () => {
    const config = load(file, { env: { ...KEYS_ENV, TAGROLL_PORT: "7100", TAGROLL_LOG_LEVEL: "debug" } });
    expect(config.server.port).toBe(7100);
    expect(config.logLevel).toBe("debug");
    expect(config.server.host).toBe("10.0.0.1");
  });

  it("flag beats env", () => {
    const config = load(file, {
      env: { ...KEYS_ENV, TAGROLL_PORT: "7100", TAGROLL_HOST: "10.0.0.2" },
      flags: { port: "7200", logLevel: "trace" },
    });
    expect(config.server.port).toBe(7200);
    expect(config.server.host).toBe("10.0.0.2");
    expect(config.logLevel).toBe("trace");
  });

  it("applies the same order to HashiCorp addresses", () => {
    const yaml = {
      "/srv/tagroll.yaml": "consul:\n  address: http://file:8500\nnomad:\n  address: http://file:4646\n",
    };
    expect(load(yaml).consul.address).toBe("http://file:8500");
    const env = { ...KEYS_ENV, CONSUL_HTTP_ADDR: "http://env:8500", NOMAD_ADDR: "http://env:4646" };
    expect(load(yaml, { env }).nomad.address).toBe("http://env:4646");
    const flagged = load(yaml, {
      env,
      flags: { consulAddr: "http://flag:8500", nomadAddr: "http://flag:4646" },
    });
    expect([flagged.consul.address, flagged.nomad.address]).toEqual(["http://flag:8500", "http://flag:4646"]);
  });

  it("reads TAGROLL_COORDINATOR and --no-coordinator as booleans", () => {
    expect(load({}, { env: { ...KEYS_ENV, TAGROLL_COORDINATOR: "false" } }).coordinator.enabled).toBe(false);
    const flagged = load(
      {},
      { env: { ...KEYS_ENV, TAGROLL_COORDINATOR: "true" }, flags: { coordinator: false } },
    );
    expect(flagged.coordinator.enabled).toBe(false);
  });

  it("reads TLS cert and key from the files flags name, relative to cwd", () => {
    const files = { "/srv/certs/tls.crt": "CERT", "/srv/certs/tls.key": "KEY" };
    const config = load(files, { flags: { tlsCert: "certs/tls.crt", tlsKey: "certs/tls.key" } });
    expect(config.server.tls).toEqual({ cert: "CERT", key: "KEY" });
    expect(config.server.publicUrl).toBe("https://localhost:8080");
  });
});

describe("config file search", () => {
  const yaml = (port: number) => `server:\n  port: ${port}\n`;

  it("prefers ./tagroll.yaml, then ./config/, then /etc/tagroll/", () => {
    const all = {
      "/srv/tagroll.yaml": yaml(1001),
      "/srv/config/tagroll.yaml": yaml(1002),
      "/etc/tagroll/tagroll.yaml": yaml(1003),
    };
    expect(load(all).server.port).toBe(1001);
    const withoutCwd = Object.fromEntries(
      Object.entries(all).filter(([file]) => file !== "/srv/tagroll.yaml"),
    );
    expect(load(withoutCwd).server.port).toBe(1002);
    expect(load({ "/etc/tagroll/tagroll.yaml": yaml(1003) }).server.port).toBe(1003);
  });

  it("searches in order and stops at the first file found", () => {
    const readFile = memoryFiles({ "/srv/config/tagroll.yaml": yaml(1002) });
    const config = loadConfig({ cwd: "/srv", env: KEYS_ENV, readFile });
    expect(readFile.reads).toEqual([
      "/srv/tagroll.yaml",
      "/srv/tagroll.yml",
      "/srv/tagroll.json",
      "/srv/config/tagroll.yaml",
    ]);
    expect(config.configFile).toBe("/srv/config/tagroll.yaml");
  });

  it("reads JSON files", () => {
    expect(load({ "/srv/tagroll.json": '{"server":{"port":1004}}' }).server.port).toBe(1004);
  });

  it("uses only the file --config or TAGROLL_CONFIG names, --config first", () => {
    const files = { "/srv/tagroll.yaml": yaml(1001), "/opt/a.yaml": yaml(2001), "/opt/b.yaml": yaml(2002) };
    const env = { ...KEYS_ENV, TAGROLL_CONFIG: "/opt/a.yaml" };
    expect(load(files, { env }).server.port).toBe(2001);
    expect(load(files, { env, flags: { config: "/opt/b.yaml" } }).server.port).toBe(2002);
  });

  it("fails when the named file does not exist, naming the flag", () => {
    const issues = issuesOf(() =>
      load({ "/srv/tagroll.yaml": yaml(1) }, { flags: { config: "missing.yaml" } }),
    );
    expect(issues).toEqual([{ field: "--config", message: "file not found: /srv/missing.yaml" }]);
  });

  it("reports a YAML syntax error with the file's path", () => {
    const issues = issuesOf(() => load({ "/srv/tagroll.yaml": "server: [unclosed\n" }));
    expect(issues[0]?.field).toBe("/srv/tagroll.yaml");
    expect(issues[0]?.message).toMatch(/does not parse/);
  });

  it("treats an empty file as all defaults", () => {
    expect(load({ "/srv/tagroll.yaml": "" }).server.port).toBe(8080);
    expect(load({ "/srv/tagroll.yaml": "# nothing set yet\n" }).server.port).toBe(8080);
  });

  it("refuses a file of several YAML documents or duplicate keys, saying where", () => {
    const several = issuesOf(() =>
      load({ "/srv/tagroll.yaml": "server: {port: 1}\n---\nserver: {port: 2}\n" }),
    );
    expect(several[0]?.message).toMatch(/does not parse: expected one YAML document, found 2/);
    const twice = issuesOf(() => load({ "/srv/tagroll.yaml": "server:\n  port: 1\n  port: 2\n" }));
    expect(twice[0]?.message).toMatch(/does not parse: duplicated mapping key \(3:3\)/);
  });

  it("reads YAML 1.2: yes and a date stay strings", () => {
    const config = load({
      "/srv/tagroll.yaml":
        "services:\n  - name: yes\n    image: acme/a\n  - name: 2026-01-01\n    image: acme/b\n",
    });
    expect(config.services.map((s) => s.name)).toEqual(["yes", "2026-01-01"]);
  });
});

describe("ConfigError", () => {
  it("is a ValidationError that lists every problem in its message", () => {
    let caught: unknown;
    try {
      load({ "/srv/tagroll.yaml": "historyLimit: 0\nlogLevel: loud\n" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toBeInstanceOf(ValidationError);
    const message = (caught as Error).message;
    expect(message).toContain("historyLimit:");
    expect(message).toContain("logLevel:");
  });
});
