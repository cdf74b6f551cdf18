import { describe, expect, it } from "vitest";
import { issuesOf, KEYS_ENV, load, SECRET_A, SECRET_B, WEB_SERVICE } from "./config-fixtures.js";

const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, "base64"));

describe("signing keys", () => {
  it("parses TAGROLL_SIGNING_KEYS; the first kid is active", () => {
    const config = load({}, { env: { TAGROLL_SIGNING_KEYS: `k1:${SECRET_A}, k2:${SECRET_B}` } });
    expect(config.keys).toEqual([
      { kid: "k1", secret: bytes(SECRET_A) },
      { kid: "k2", secret: bytes(SECRET_B) },
    ]);
    expect(config.activeKeyId).toBe("k1");
  });

  it("TAGROLL_ACTIVE_KEY picks another kid, and must name a listed one", () => {
    const env = { TAGROLL_SIGNING_KEYS: `k1:${SECRET_A},k2:${SECRET_B}` };
    expect(load({}, { env: { ...env, TAGROLL_ACTIVE_KEY: "k2" } }).activeKeyId).toBe("k2");
    expect(issuesOf(() => load({}, { env: { ...env, TAGROLL_ACTIVE_KEY: "k9" } }))).toEqual([
      { field: "activeKey (from TAGROLL_ACTIVE_KEY)", message: '"k9" is not one of the signing keys' },
    ]);
  });

  it("reads a keys file (comments allowed): env path from cwd, config path from the config's folder", () => {
    const keysFile = `# rotated 2026-01\nold:${SECRET_A}\nnew:${SECRET_B}\n`;
    const fromEnv = load(
      { "/srv/secrets/keys": keysFile },
      { env: { TAGROLL_SIGNING_KEYS_FILE: "secrets/keys" } },
    );
    expect(fromEnv.keys.map((key) => key.kid)).toEqual(["old", "new"]);
    const fromFile = load(
      { "/etc/tagroll/tagroll.yaml": "keysFile: keys\nactiveKey: new\n", "/etc/tagroll/keys": keysFile },
      { env: {} },
    );
    expect(fromFile.activeKeyId).toBe("new");
  });

  it("refuses both TAGROLL_SIGNING_KEYS and TAGROLL_SIGNING_KEYS_FILE", () => {
    const env = { ...KEYS_ENV, TAGROLL_SIGNING_KEYS_FILE: "/keys" };
    expect(issuesOf(() => load({ "/keys": `k:${SECRET_B}` }, { env }))[0]?.field).toBe(
      "TAGROLL_SIGNING_KEYS",
    );
  });

  it("rejects short, non-base64 and duplicate keys without echoing the secret", () => {
    const short = Buffer.alloc(16, 1).toString("base64");
    const env = { TAGROLL_SIGNING_KEYS: `a:${short},b:not*base64,a:${SECRET_A},nokid` };
    const issues = issuesOf(() => load({}, { env }));
    expect(issues.map((issue) => issue.message)).toEqual([
      'entry 1 ("a"): secret must be at least 32 bytes, got 16',
      'entry 2 ("b"): secret is not base64',
      'entry 3: kid "a" is listed twice',
      'entry 4: expected "kid:base64secret" with a kid of A-Z a-z 0-9 . _ -',
    ]);
    expect(JSON.stringify(issues)).not.toContain(short);
    expect(JSON.stringify(issues)).not.toContain(SECRET_A);
  });

  it("requires a key unless the caller says it does not sign", () => {
    expect(issuesOf(() => load({}, { env: {} }))).toEqual([
      { field: "signingKeys", message: expect.stringMatching(/TAGROLL_SIGNING_KEYS/) },
    ]);
    expect(load({}, { env: {}, requireSigningKeys: false }).keys).toEqual([]);
  });

  it("refuses plaintext keys in the file unless allowPlaintextSecrets is set", () => {
    const yaml = `signingKeys: "k1:${SECRET_A}"\n`;
    const issues = issuesOf(() => load({ "/srv/tagroll.yaml": yaml }, { env: {} }));
    expect(issues).toContainEqual({
      field: "signingKeys",
      message: expect.stringMatching(/plaintext secrets/),
    });
    const allowed = load({ "/srv/tagroll.yaml": `${yaml}allowPlaintextSecrets: true\n` }, { env: {} });
    expect(allowed.keys[0]?.kid).toBe("k1");
  });
});

describe("HashiCorp variables", () => {
  it("reads Consul's variables as its CLI does", () => {
    const files = { "/tls/ca.pem": "CA", "/tls/c.pem": "CERT", "/tls/k.pem": "KEY" };
    const env = {
      ...KEYS_ENV,
      CONSUL_HTTP_ADDR: "consul.internal:8501",
      CONSUL_HTTP_SSL: "true",
      CONSUL_HTTP_TOKEN: "consul-secret",
      CONSUL_CACERT: "/tls/ca.pem",
      CONSUL_CLIENT_CERT: "/tls/c.pem",
      CONSUL_CLIENT_KEY: "/tls/k.pem",
    };
    expect(load(files, { env }).consul).toEqual({
      address: "https://consul.internal:8501",
      token: "consul-secret",
      caCert: "CA",
      clientCert: "CERT",
      clientKey: "KEY",
    });
  });

  it("adds http:// to a bare CONSUL_HTTP_ADDR", () => {
    expect(load({}, { env: { ...KEYS_ENV, CONSUL_HTTP_ADDR: "127.0.0.1:18500" } }).consul.address).toBe(
      "http://127.0.0.1:18500",
    );
  });

  it("reads the Consul token from CONSUL_HTTP_TOKEN_FILE; CONSUL_HTTP_TOKEN wins over it", () => {
    const files = { "/run/consul-token": "from-file\n" };
    const env = { ...KEYS_ENV, CONSUL_HTTP_TOKEN_FILE: "/run/consul-token" };
    expect(load(files, { env }).consul.token).toBe("from-file");
    expect(load(files, { env: { ...env, CONSUL_HTTP_TOKEN: "from-env" } }).consul.token).toBe("from-env");
  });

  it("reads Nomad's variables", () => {
    const env = {
      ...KEYS_ENV,
      NOMAD_ADDR: "https://nomad.internal:4646",
      NOMAD_TOKEN: "nomad-secret",
      NOMAD_NAMESPACE: "prod",
      NOMAD_REGION: "eu",
      NOMAD_CACERT: "/tls/ca.pem",
      NOMAD_CLIENT_CERT: "/tls/c.pem",
      NOMAD_CLIENT_KEY: "/tls/k.pem",
    };
    const files = { "/tls/ca.pem": "CA", "/tls/c.pem": "CERT", "/tls/k.pem": "KEY" };
    expect(load(files, { env }).nomad).toEqual({
      address: "https://nomad.internal:4646",
      token: "nomad-secret",
      namespace: "prod",
      region: "eu",
      caCert: "CA",
      clientCert: "CERT",
      clientKey: "KEY",
    });
  });

  it("refuses plaintext agent tokens in the file", () => {
    const issues = issuesOf(() =>
      load({ "/srv/tagroll.yaml": "consul:\n  token: abc\nnomad:\n  token: def\n" }),
    );
    expect(issues.map((issue) => issue.field)).toEqual(["consul.token", "nomad.token"]);
    expect(JSON.stringify(issues)).not.toMatch(/abc|def/);
  });
});

describe("per-service source secrets", () => {
  const webApi = "services:\n  - name: web-api\n    image: acme/web\n";

  it("reads TAGROLL_SECRET_<SERVICE>_<SOURCE>", () => {
    const env = {
      ...KEYS_ENV,
      TAGROLL_SECRET_WEB_API_GHCR: "hmac",
      TAGROLL_SECRET_WEB_API_HARBOR: "Bearer x",
    };
    expect(load({ "/srv/tagroll.yaml": webApi }, { env }).services[0]?.secrets).toEqual({
      ghcr: "hmac",
      harbor: "Bearer x",
    });
  });

  it("reads secretFiles relative to the config file; env wins", () => {
    const files = {
      "/etc/tagroll/tagroll.yaml": `${WEB_SERVICE}    secretFiles:\n      ghcr: ghcr.secret\n      jfrog: /run/jfrog\n`,
      "/etc/tagroll/ghcr.secret": "from-file\n",
      "/run/jfrog": "jfrog-file",
    };
    expect(load(files).services[0]?.secrets).toEqual({ ghcr: "from-file", jfrog: "jfrog-file" });
    const env = { ...KEYS_ENV, TAGROLL_SECRET_WEB_GHCR: "from-env" };
    expect(load(files, { env }).services[0]?.secrets.ghcr).toBe("from-env");
  });

  it("refuses plaintext secrets unless allowed", () => {
    const yaml = `${WEB_SERVICE}    secrets:\n      harbor: hunter2\n`;
    const issues = issuesOf(() => load({ "/srv/tagroll.yaml": yaml }));
    expect(issues).toEqual([
      { field: "services[0].secrets", message: expect.stringMatching(/plaintext secrets/) },
    ]);
    expect(JSON.stringify(issues)).not.toContain("hunter2");
    const allowed = load({ "/srv/tagroll.yaml": `allowPlaintextSecrets: true\n${yaml}` });
    expect(allowed.services[0]?.secrets).toEqual({ harbor: "hunter2" });
  });

  it("rejects a secret variable that matches no service or source", () => {
    const env = { ...KEYS_ENV, TAGROLL_SECRET_WEB_GITLAB: "x", TAGROLL_SECRET_WBE_GHCR: "y" };
    expect(issuesOf(() => load({ "/srv/tagroll.yaml": WEB_SERVICE }, { env })).map((i) => i.field)).toEqual([
      "TAGROLL_SECRET_WBE_GHCR",
      "TAGROLL_SECRET_WEB_GITLAB",
    ]);
  });

  it("rejects two services whose names map to the same variables", () => {
    const yaml = "services:\n  - { name: a-b, image: acme/x }\n  - { name: a_b, image: acme/y }\n";
    expect(issuesOf(() => load({ "/srv/tagroll.yaml": yaml }))).toEqual([
      { field: "services[1].name", message: '"a_b" and "a-b" share secret variables; rename one' },
    ]);
  });
});
