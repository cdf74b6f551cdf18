import type { TagrollConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import { NotFoundError, ValidationError } from "../core/errors.js";
import { isJti, issueWebhookToken, type RevocationStore, type TokenRegistry } from "../tokens/index.js";

/** One issued webhook token as `GET /tokens` lists it: ids and times, never the token. */
export interface TokenRow {
  jti: string;
  service: string;
  kid: string;
  issuedAt: string;
  revokedAt: string | null;
}

export interface TokenActionsOptions {
  config: TagrollConfig;
  registry: TokenRegistry;
  revocations: RevocationStore;
  clock: Clock;
}

/** Webhook-URL management behind `/api/v1/tokens` (admin scope). */
export class TokenActions {
  constructor(private readonly o: TokenActionsOptions) {}

  async list(service?: string): Promise<TokenRow[]> {
    const [issued, revocations] = await Promise.all([
      this.o.registry.list(service),
      this.o.revocations.list(),
    ]);
    const revokedAt = new Map(revocations.map((r) => [r.jti, r.revokedAt.toISOString()]));
    return issued.map((t) => ({
      jti: t.jti,
      service: t.service,
      kid: t.kid,
      issuedAt: new Date(t.iat * 1000).toISOString(),
      revokedAt: revokedAt.get(t.jti) ?? null,
    }));
  }

  /** Mints and records a webhook token; the URL is returned once and never stored. */
  async create(service: unknown): Promise<{ url: string; jti: string; service: string; kid: string }> {
    if (typeof service !== "string") throw new ValidationError('body must be {"service": "<name>"}');
    if (!this.o.config.services.some((s) => s.name === service)) {
      throw new NotFoundError(`unknown service ${JSON.stringify(service)}`);
    }
    const kid = this.o.config.activeKeyId;
    const issued = await issueWebhookToken({
      keys: this.o.config.keys,
      activeKid: kid,
      service,
      clock: this.o.clock,
      registry: this.o.registry,
    });
    return { url: `${this.o.config.server.publicUrl}/hooks/${issued.token}`, jti: issued.jti, service, kid };
  }

  /** Revokes by jti; a jti missing from the registry (an API token, a lost record) is revoked too. */
  async revoke(jti: string): Promise<{ jti: string; service: string; revoked: boolean }> {
    if (!isJti(jti)) throw new ValidationError("not a token id (expected 22 base64url characters)");
    const service = (await this.o.registry.get(jti))?.service ?? "(not in registry)";
    const revoked = await this.o.revocations.revoke(jti, {
      service,
      revokedAt: new Date(this.o.clock.now()),
    });
    return { jti, service, revoked };
  }
}
