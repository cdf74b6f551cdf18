import type { ResolveContext } from "./resolve-context.js";
import type { RegistryFileConfig, SupplyChainFileFields } from "./supply-chain-schema.js";
import type { RegistryConfig, SupplyChainConfig } from "./types.js";

/** The key beside the tag key: `configs/web/IMAGE_TAG` → `configs/web/IMAGE_DIGEST`. */
export function defaultDigestKey(tagKey: string): string {
  const slash = tagKey.lastIndexOf("/");
  return `${slash === -1 ? "" : tagKey.slice(0, slash + 1)}IMAGE_DIGEST`;
}

/**
 * A service's supply-chain settings, or undefined when it uses none. Digest pinning is on unless
 * the service sets `digest: false` (README, "Supply chain"): every accepted push then writes the
 * digest beside the tag. Verifying and polling need the digest, so they refuse `digest: false`.
 */
export function buildSupplyChain(
  raw: SupplyChainFileFields,
  tagKey: string,
  at: string,
  ctx: ResolveContext,
): SupplyChainConfig | undefined {
  const optedOut = raw.digest === false;
  if (optedOut) {
    for (const field of ["verify", "poll"] as const) {
      if (raw[field] === undefined) continue;
      ctx.problem(
        `${at}.${field}`,
        `needs the image digest, but digest is false: remove "digest: false" or remove ${field}`,
      );
    }
    if (!raw.prune) return undefined;
  }
  const keyed = typeof raw.digest === "object" ? raw.digest.key : undefined;
  const digestKey = optedOut ? undefined : (keyed ?? defaultDigestKey(tagKey));
  if (digestKey !== undefined && digestKey === tagKey) {
    ctx.problem(`${at}.digest.key`, "must differ from the tag key");
  }
  const files = raw.verify
    ? Array.isArray(raw.verify.cosignPublicKey)
      ? raw.verify.cosignPublicKey
      : [raw.verify.cosignPublicKey]
    : [];
  const publicKeys = files.flatMap((file, i) => {
    const pem = ctx.readNamedFile(`${at}.verify.cosignPublicKey${files.length > 1 ? `[${i}]` : ""}`, file);
    if (pem === undefined) return [];
    if (!pem.includes("-----BEGIN PUBLIC KEY-----")) {
      ctx.problem(`${at}.verify.cosignPublicKey`, `${file} is not a PEM public key (cosign.pub)`);
      return [];
    }
    return [{ file, pem }];
  });
  return {
    ...(digestKey !== undefined && { digestKey }),
    publicKeys,
    ...(raw.poll && { pollEveryMs: raw.poll.every }),
    ...(raw.prune && { prune: { keep: raw.prune.keep, keepTags: raw.prune.keepTags } }),
  };
}

/** `registries` with credentials read from `passwordEnv` or `passwordFile`. */
export function buildRegistries(list: RegistryFileConfig[], ctx: ResolveContext): RegistryConfig[] {
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const at = `registries[${i}]`;
    if (seen.has(entry.host)) ctx.problem(`${at}.host`, `"${entry.host}" is listed twice`);
    seen.add(entry.host);
    let password: string | undefined;
    if (entry.passwordEnv !== undefined) {
      password = ctx.env[entry.passwordEnv];
      if (password === undefined || password === "") {
        ctx.problem(`${at}.passwordEnv`, `environment variable ${entry.passwordEnv} is not set`);
      }
    } else if (entry.passwordFile !== undefined) {
      password = ctx.readNamedFile(`${at}.passwordFile`, entry.passwordFile)?.trim();
    }
    if ((entry.username === undefined) !== (password === undefined)) {
      ctx.problem(at, "username and a password (passwordFile or passwordEnv) go together");
    }
    return {
      host: entry.host,
      insecure: entry.insecure,
      ...(entry.username !== undefined &&
        password !== undefined && {
          credentials: { username: entry.username, password },
        }),
    };
  });
}
