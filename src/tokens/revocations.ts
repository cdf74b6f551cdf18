import type { KvStore } from "../kv/kv-store.js";
import { folderPrefix, tokenKey, tokenOfKey } from "../state/kv-layout.js";

const PREFIX = folderPrefix("revoked");

export interface Revocation {
  jti: string;
  service: string;
  revokedAt: Date;
}

/**
 * Revoked token ids in Consul KV, one key per jti (`tagroll/revoked/<jti>` =
 * `{"service","revokedAt"}`), so every tagroll instance sees a revocation at once (README,
 * "Security model": Revocation). Errors from the store (UpstreamUnavailableError) propagate.
 */
export class RevocationStore {
  constructor(private readonly kv: KvStore) {}

  /** Resolves true when this call revoked the token, false when it already was revoked. */
  async revoke(jti: string, details: { service: string; revokedAt: Date }): Promise<boolean> {
    const record = JSON.stringify({ service: details.service, revokedAt: details.revokedAt.toISOString() });
    // Create-only: the first revocation's time and service are the ones kept.
    return (await this.kv.set(tokenKey("revoked", jti), record, { cas: 0 })) === true;
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.kv.get(tokenKey("revoked", jti))) !== undefined;
  }

  /** Every revocation, oldest first; records that do not parse are left out. */
  async list(): Promise<Revocation[]> {
    const { entries } = await this.kv.list(PREFIX);
    const revocations = entries.flatMap((entry) => {
      const record = parseRecord(entry.value);
      return record ? [{ jti: tokenOfKey("revoked", entry.key), ...record }] : [];
    });
    return revocations.sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime());
  }
}

function parseRecord(value: string): { service: string; revokedAt: Date } | undefined {
  try {
    const parsed = JSON.parse(value) as { service?: unknown; revokedAt?: unknown };
    const revokedAt = typeof parsed.revokedAt === "string" ? new Date(parsed.revokedAt) : undefined;
    if (typeof parsed.service !== "string" || revokedAt === undefined || Number.isNaN(revokedAt.getTime())) {
      return undefined;
    }
    return { service: parsed.service, revokedAt };
  } catch {
    return undefined;
  }
}
