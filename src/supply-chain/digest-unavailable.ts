import type { ServiceConfig } from "../config/types.js";
import { locateImage } from "../registry/image-name.js";
import { RegistryError, RegistryNotFoundError } from "../registry/registry-errors.js";

/**
 * A registry fault met while resolving a digest, with what to fix (README, "Supply chain"): the
 * registry's own message (host, status; never credentials) and how to get out of it. Keeps the
 * fault's status (503) and code, so a webhook sender retries.
 */
export class DigestUnavailableError extends RegistryError {
  readonly code: string;
  override readonly name = "DigestUnavailableError";
  constructor(
    readonly fault: RegistryError,
    service: ServiceConfig,
  ) {
    super(fault.host, `${fault.message}; ${digestHint(service)}`, { cause: fault });
    this.code = fault.code;
  }
}

/** How to let tagroll resolve the digest of `service`'s image, or stop it from trying. */
export function digestHint(service: ServiceConfig): string {
  const host = locateImage(service.image).host;
  const needsDigest = (service.supplyChain?.publicKeys.length ?? 0) > 0 || service.supplyChain?.pollEveryMs;
  const optOut = needsDigest
    ? ""
    : `, or set "digest: false" on service ${service.name} to deploy by tag alone`;
  return (
    `tagroll pins the digest of ${service.image} and could not resolve it: make ${host} reachable from tagroll ` +
    `and configure its credentials under "registries"${optOut}`
  );
}

/** `error` with the hint when it is a registry fault (not an unknown tag, which is an answer). */
export function withDigestHint(error: unknown, service: ServiceConfig): unknown {
  if (!(error instanceof RegistryError) || error instanceof RegistryNotFoundError) return error;
  if (error instanceof DigestUnavailableError) return error;
  return new DigestUnavailableError(error, service);
}
