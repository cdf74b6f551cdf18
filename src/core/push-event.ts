/** Where a push notification came from; one parser per source lives in `src/webhooks/parsers/`. */
export type PushSource =
  "dockerhub" | "distribution" | "ghcr" | "harbor" | "quay" | "acr" | "jfrog" | "generic";

/** The one shape every registry payload is mapped onto (ARCHITECTURE.md, "Ingress"). */
export interface PushEvent {
  source: PushSource;
  /** Repository as the registry names it, e.g. `acme/web` or `registry.example.com/acme/web`. */
  repository: string;
  tag: string;
  digest?: string;
  /** The sender's own id for this delivery, when it has one (used to drop duplicates). */
  deliveryId?: string;
  receivedAt: Date;
}
