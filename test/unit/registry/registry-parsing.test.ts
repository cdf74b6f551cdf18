import { describe, expect, it } from "vitest";
import { locateImage } from "../../../src/registry/image-name.js";
import { nextPageUrl } from "../../../src/registry/link-header.js";
import { basicAuthorization, parseTokenReply, tokenUrl } from "../../../src/registry/registry-auth.js";
import { retryAfterMs } from "../../../src/registry/registry-errors.js";
import { parseChallenge } from "../../../src/registry/www-authenticate.js";

describe("WWW-Authenticate challenges", () => {
  it("reads a Distribution Bearer challenge with quoted, comma-separated parameters", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push"',
      ),
    ).toEqual({
      scheme: "bearer",
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scope: "repository:library/nginx:pull,push",
    });
  });

  it("reads Basic, unquoted values and escapes; ignores other schemes", () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: "basic",
      realm: "Registry Realm",
    });
    expect(parseChallenge('bearer realm=http://t/x, service="a\\"b"')).toEqual({
      scheme: "bearer",
      realm: "http://t/x",
      service: 'a"b',
    });
    expect(parseChallenge("Negotiate abc")).toBeUndefined();
    expect(parseChallenge(undefined)).toBeUndefined();
  });

  it("builds the token URL from the challenge, preferring its scope", () => {
    const challenge = { scheme: "bearer" as const, realm: "https://auth.example/token?x=1", service: "reg" };
    expect(tokenUrl(challenge, "repository:a/b:pull")).toBe(
      "https://auth.example/token?x=1&service=reg&scope=repository%3Aa%2Fb%3Apull",
    );
    expect(tokenUrl({ ...challenge, scope: "repository:a/b:delete" }, "repository:a/b:pull")).toContain(
      "scope=repository%3Aa%2Fb%3Adelete",
    );
    expect(() => tokenUrl({ scheme: "bearer" }, "x")).toThrow(/realm/);
  });

  it("reads token replies (token or access_token) and renews 10 s before expiry", () => {
    expect(parseTokenReply({ token: "t1", expires_in: 300 }, 1_000)).toEqual({
      token: "t1",
      expiresAt: 291_000,
    });
    expect(parseTokenReply({ access_token: "t2" }, 0)).toEqual({ token: "t2", expiresAt: 50_000 });
    expect(() => parseTokenReply({}, 0)).toThrow(/without a token/);
    expect(basicAuthorization({ username: "ci", password: "p:w" })).toBe(
      `Basic ${Buffer.from("ci:p:w").toString("base64")}`,
    );
  });
});

describe("tag list pagination", () => {
  it("follows rel=next, resolving the relative target", () => {
    const base = "http://127.0.0.1:5000/v2/demo/web/tags/list?n=2";
    expect(nextPageUrl('</v2/demo/web/tags/list?last=b&n=2>; rel="next"', base)).toBe(
      "http://127.0.0.1:5000/v2/demo/web/tags/list?last=b&n=2",
    );
    expect(nextPageUrl('<http://x/first>; rel="prev", <http://x/next>; rel=next', base)).toBe(
      "http://x/next",
    );
    expect(nextPageUrl(undefined, base)).toBeUndefined();
    expect(nextPageUrl('<http://x/prev>; rel="prev"', base)).toBeUndefined();
  });
});

describe("Retry-After", () => {
  it("takes seconds or an HTTP date", () => {
    expect(retryAfterMs("7", 0)).toBe(7_000);
    expect(retryAfterMs(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});

describe("image locations", () => {
  it("splits host and repository the way docker does", () => {
    expect(locateImage("127.0.0.1:5000/demo/web")).toEqual({
      host: "127.0.0.1:5000",
      apiHost: "127.0.0.1:5000",
      repository: "demo/web",
    });
    expect(locateImage("ghcr.io/acme/web").repository).toBe("acme/web");
    expect(locateImage("localhost/web").host).toBe("localhost");
    expect(locateImage("acme/web")).toEqual({
      host: "docker.io",
      apiHost: "registry-1.docker.io",
      repository: "acme/web",
    });
    expect(locateImage("nginx").repository).toBe("library/nginx");
    expect(locateImage("docker.io/nginx").repository).toBe("library/nginx");
  });
});
