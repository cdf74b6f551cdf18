import { execFile } from "node:child_process";
import { randomUUID, X509Certificate, createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { SignJWT } from "jose";

/**
 * A loopback token service for a docker-registry configured with `auth.token` (distribution's
 * "Token Authentication Specification", docs/spec/auth/token.md and jwt.md). It answers
 * `GET /token?service=…&scope=…` for one user with Basic credentials, issuing ES256 JWTs whose
 * `x5c` header carries a self-signed certificate that the registry also trusts as its
 * `rootcertbundle` — how distribution 2.8 finds the signing key (registry/auth/token/token.go,
 * VerifySigningKey: x5c, then jwk, then kid). Claims as that file's ClaimSet reads them: iss,
 * sub, aud (one string in 2.x), exp, nbf, iat, jti and access[{type, name, actions}].
 */

const exec = promisify(execFile);

export const TOKEN_SERVICE = "tagroll-test-registry";
export const TOKEN_ISSUER = "tagroll-test-token-issuer";

export interface TokenIssuer {
  /** The realm the registry's challenge names. */
  realm: string;
  /** PEM certificate of the signing key: the registry's rootcertbundle. */
  certFile: string;
  /** Every token request: who asked (undefined: anonymous or refused), for what scope, the answer's status. */
  requests: Array<{ account?: string; scope: string[]; status: number }>;
  /** Every token issued (to check none is ever logged). */
  issued: string[];
  stop(): Promise<void>;
}

export async function startTokenIssuer(
  dir: string,
  user: { name: string; password: string },
): Promise<TokenIssuer> {
  const keyFile = join(dir, "token-issuer.key");
  const certFile = join(dir, "token-issuer.crt");
  // An EC P-256 key and a self-signed certificate for it (ES256), as test/integration/serve/https.test.ts makes its TLS pair.
  await exec("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${TOKEN_ISSUER}`,
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  const key = createPrivateKey(await readFile(keyFile));
  const certDer = new X509Certificate(await readFile(certFile)).raw.toString("base64");
  const requests: TokenIssuer["requests"] = [];
  const issued: string[] = [];

  const server: Server = createServer((req, res) => {
    void answer(req).then(({ status, body }) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });

  async function answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? "/", "http://issuer");
    const scope = url.searchParams
      .getAll("scope")
      .flatMap((s) => s.split(" "))
      .filter(Boolean);
    // A private registry: anonymous requests are refused like wrong credentials.
    const account = basicUser(req.headers.authorization, user);
    if (account === undefined || url.searchParams.get("service") !== TOKEN_SERVICE) {
      requests.push({ scope, status: 401 });
      return { status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] } };
    }
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access: scope.map(access) })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", x5c: [certDer] })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(account)
      .setAudience(TOKEN_SERVICE)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(key);
    issued.push(token);
    requests.push({ account, scope, status: 200 });
    return {
      status: 200,
      body: { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    issued,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `repository:demo/web:pull,push` → the claim granting exactly that. */
function access(scope: string) {
  const [type = "", ...rest] = scope.split(":");
  const actions = rest.pop() ?? "";
  return { type, name: rest.join(":"), actions: actions.split(",").filter(Boolean) };
}

/** The user name for good Basic credentials; undefined for none or bad ones. */
function basicUser(header: string | undefined, user: { name: string; password: string }): string | undefined {
  const [scheme, value = ""] = (header ?? "").split(" ");
  if (scheme?.toLowerCase() !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const ok = colon > 0 && decoded.slice(0, colon) === user.name && decoded.slice(colon + 1) === user.password;
  return ok ? user.name : undefined;
}
