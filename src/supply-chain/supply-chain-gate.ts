import type { ServiceConfig } from "../config/types.js";
import { RegistryNotFoundError } from "../registry/registry-errors.js";
import { isSha256Digest } from "../registry/media-types.js";
import { loadPublicKeys, type NamedKey } from "./cosign-signature.js";
import type { RegistryPool } from "./registry-pool.js";
import {
  NO_SUPPLY_CHAIN_OBSERVER,
  type AdmitVia,
  type SupplyChainObserver,
} from "./supply-chain-observer.js";
import { verifySignature } from "./verify-signature.js";

export type RefusalKind = "not_found" | "unsigned" | "wrong_key" | "other_image";

export type Admission =
  | { admitted: true; digest: string; signedBy?: string }
  | { admitted: false; kind: RefusalKind; reason: string; digest?: string };

/**
 * What a push must pass before anything is written (README, "Supply chain"): its tag resolves to
 * a digest (the payload's, else a manifest HEAD) and, when the service lists cosign keys, that
 * digest is signed by one of them. Used by webhooks and polling alike. Registry faults throw
 * (typed, 503); a refusal is an answer.
 */
export class SupplyChainGate {
  private readonly keys = new Map<string, NamedKey[]>();

  constructor(
    private readonly pool: RegistryPool,
    private readonly observer: SupplyChainObserver = NO_SUPPLY_CHAIN_OBSERVER,
  ) {}

  /** Resolves and checks `tag`; every refusal is counted (`via` labels the metric). */
  async admit(
    service: ServiceConfig,
    tag: string,
    payloadDigest?: string,
    via: AdmitVia = "webhook",
  ): Promise<Admission> {
    const admission = await this.decide(service, tag, payloadDigest);
    if (!admission.admitted) this.observer.onRefused(service.name, admission.kind, via);
    return admission;
  }

  private async decide(service: ServiceConfig, tag: string, payloadDigest?: string): Promise<Admission> {
    const where = this.pool.forImage(service.image);
    let digest = payloadDigest !== undefined && isSha256Digest(payloadDigest) ? payloadDigest : undefined;
    if (digest === undefined) {
      try {
        digest = (await where.registry.headManifest(where.repository, tag)).digest;
      } catch (error) {
        if (!(error instanceof RegistryNotFoundError)) throw error;
        return { admitted: false, kind: "not_found", reason: `tag ${tag} is not in ${service.image}` };
      }
    }
    const keys = this.keysOf(service);
    if (keys.length === 0) return { admitted: true, digest };
    const verdict = await verifySignature(where, service.image, digest, keys);
    if (!verdict.verified) return { admitted: false, kind: verdict.kind, reason: verdict.reason, digest };
    return { admitted: true, digest, signedBy: verdict.keyFile };
  }

  private keysOf(service: ServiceConfig): NamedKey[] {
    let keys = this.keys.get(service.name);
    if (!keys) {
      keys = loadPublicKeys(service.supplyChain?.publicKeys ?? []);
      this.keys.set(service.name, keys);
    }
    return keys;
  }
}
