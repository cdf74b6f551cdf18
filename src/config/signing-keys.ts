import type { SigningKey } from "./types.js";
import type { FileConfig } from "./file-schema.js";
import type { ResolveContext } from "./resolve-context.js";
import { plaintextRefused } from "./config-error.js";

const KID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const MIN_SECRET_BYTES = 32;

/**
 * Parses `kid1:base64secret,kid2:base64secret` (commas or newlines; `#` comments and blank lines
 * allowed so a keys file can be annotated). Messages name the entry and kid, never the secret.
 */
export function parseSigningKeys(text: string, field: string, ctx: ResolveContext): SigningKey[] {
  const keys: SigningKey[] = [];
  const seen = new Set<string>();
  const entries = text
    .split(/[,\n]/)
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line !== "");
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(":");
    const kid = colon < 0 ? "" : entry.slice(0, colon).trim();
    const encoded = colon < 0 ? "" : entry.slice(colon + 1).trim();
    if (!KID.test(kid))
      return ctx.problem(field, `${where}: expected "kid:base64secret" with a kid of A-Z a-z 0-9 . _ -`);
    if (seen.has(kid)) return ctx.problem(field, `${where}: kid "${kid}" is listed twice`);
    seen.add(kid);
    if (!BASE64.test(encoded)) return ctx.problem(field, `${where} ("${kid}"): secret is not base64`);
    const secret = new Uint8Array(Buffer.from(encoded, "base64"));
    if (secret.length < MIN_SECRET_BYTES) {
      return ctx.problem(
        field,
        `${where} ("${kid}"): secret must be at least ${MIN_SECRET_BYTES} bytes, got ${secret.length}`,
      );
    }
    keys.push({ kid, secret });
  });
  if (entries.length === 0) ctx.problem(field, "lists no keys");
  return keys;
}

/**
 * Signing keys come from TAGROLL_SIGNING_KEYS, else the file named by TAGROLL_SIGNING_KEYS_FILE or
 * `keysFile`, else (only with `allowPlaintextSecrets`) `signingKeys` in the file itself. The active
 * kid is TAGROLL_ACTIVE_KEY / `activeKey`, else the first key listed.
 */
export function resolveSigningKeys(
  file: FileConfig,
  ctx: ResolveContext,
  required: boolean,
): { keys: SigningKey[]; activeKeyId: string } {
  const inline = ctx.env["TAGROLL_SIGNING_KEYS"];
  const plaintextAllowed = file.allowPlaintextSecrets;
  if (file.signingKeys !== undefined && !plaintextAllowed) {
    ctx.problem("signingKeys", plaintextRefused("keysFile or TAGROLL_SIGNING_KEYS"));
  }
  let keys: SigningKey[] = [];
  if (inline !== undefined && inline !== "") {
    if (ctx.overridden("keysFile")) {
      ctx.problem("TAGROLL_SIGNING_KEYS", "TAGROLL_SIGNING_KEYS_FILE is set as well; set only one");
    }
    keys = parseSigningKeys(inline, "TAGROLL_SIGNING_KEYS", ctx);
  } else if (file.keysFile !== undefined) {
    const text = ctx.readNamedFile("keysFile", file.keysFile);
    if (text !== undefined) keys = parseSigningKeys(text, ctx.label("keysFile"), ctx);
  } else if (file.signingKeys !== undefined) {
    if (plaintextAllowed) keys = parseSigningKeys(file.signingKeys, "signingKeys", ctx);
  } else if (required) {
    ctx.problem(
      "signingKeys",
      "no signing key configured: set TAGROLL_SIGNING_KEYS, TAGROLL_SIGNING_KEYS_FILE or keysFile",
    );
  }

  const activeKeyId = file.activeKey ?? keys[0]?.kid ?? "";
  if (file.activeKey !== undefined && keys.length > 0 && !keys.some((key) => key.kid === file.activeKey)) {
    ctx.problem(ctx.label("activeKey"), `"${file.activeKey}" is not one of the signing keys`);
  }
  return { keys, activeKeyId };
}
