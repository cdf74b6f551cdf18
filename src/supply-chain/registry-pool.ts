import type { RegistryConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { locateImage } from "../registry/image-name.js";
import { RegistryClient } from "../registry/registry-client.js";

/** What the supply-chain code needs from a registry; `RegistryClient` is the real one. */
export type Registry = Pick<
  RegistryClient,
  "host" | "ping" | "headManifest" | "getManifest" | "getBlob" | "listTags" | "deleteManifest"
>;

/** A repository on a registry: the client for its host and the name to call it by. */
export interface RepositoryHandle {
  registry: Registry;
  repository: string;
}

/** One `RegistryClient` per host (token caches are per host), built on first use. */
export class RegistryPool {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly o: { registries: readonly RegistryConfig[]; clock: Clock; log: Logger }) {}

  /** The registry and repository of a service's `image`, e.g. `registry:5000/acme/web`. */
  forImage(image: string): RepositoryHandle {
    const where = locateImage(image);
    let client = this.clients.get(where.host);
    if (!client) {
      const entry = this.o.registries.find((r) => r.host === where.host);
      client = new RegistryClient({
        host: where.apiHost,
        insecure: entry?.insecure ?? false,
        ...(entry?.credentials && { credentials: entry.credentials }),
        clock: this.o.clock,
        log: this.o.log.child({ registry: where.host }),
      });
      this.clients.set(where.host, client);
    }
    return { registry: client, repository: where.repository };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
