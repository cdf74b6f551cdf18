import { ConflictError } from "../core/errors.js";
import type { KvStore } from "../kv/kv-store.js";
import { folderPrefix, tokenKey, tokenOfKey } from "../state/kv-layout.js";

const PREFIX = folderPrefix("tokens");

/** What `token list` shows about an issued webhook token: never the token itself. */
export interface IssuedToken {
  jti: string;
  service: string;
  kid: string;
  /** Issued-at, seconds since the epoch (the token's own `iat`). */
  iat: number;
}

/**
 * Issued webhook tokens in Consul KV (`tagroll/tokens/<jti>` = `{"service","kid","iat"}`). The
 * token cannot be rebuilt from this record: it has no signature. Used by `token list` and to know
 * a jti's service when it is revoked.
 */
export class TokenRegistry {
  constructor(private readonly kv: KvStore) {}

  async record(token: IssuedToken): Promise<void> {
    const { jti, service, kid, iat } = token;
    const written = await this.kv.set(tokenKey("tokens", jti), JSON.stringify({ service, kid, iat }), {
      cas: 0,
    });
    if (!written) throw new ConflictError(`token id ${jti} is already recorded`);
  }

  async get(jti: string): Promise<IssuedToken | undefined> {
    const entry = await this.kv.get(tokenKey("tokens", jti));
    return entry === undefined ? undefined : parseRecord(jti, entry.value);
  }

  /** Issued tokens, oldest first, optionally for one service; unreadable records are left out. */
  async list(service?: string): Promise<IssuedToken[]> {
    const { entries } = await this.kv.list(PREFIX);
    return entries
      .flatMap((entry) => parseRecord(tokenOfKey("tokens", entry.key), entry.value) ?? [])
      .filter((token) => service === undefined || token.service === service)
      .sort((a, b) => a.iat - b.iat);
  }
}

function parseRecord(jti: string, value: string): IssuedToken | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<IssuedToken>;
    const { service, kid, iat } = parsed;
    if (typeof service !== "string" || typeof kid !== "string" || typeof iat !== "number") return undefined;
    return { jti, service, kid, iat };
  } catch {
    return undefined;
  }
}
