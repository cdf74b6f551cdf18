/** Told what the supply-chain code did, for metrics (src/metrics/supply-chain-metrics.ts). */
export interface SupplyChainObserver {
  /** A push or poll refused before writing: `kind` is unsigned, wrong_key, other_image, not_found. */
  onRefused(service: string, kind: string, via: AdmitVia): void;
  /** One poll: `written`, `unchanged`, `refused`, `failed`, `rate_limited`. */
  onPoll(service: string, outcome: string): void;
  /** One tag handled by pruning: `deleted`, `failed`; `skipped` for a prune that did not run. */
  onPrune(service: string, outcome: string, count: number): void;
  /** A rollout of a hand-edited tag held back: its digest could not be resolved (digest-sync.ts). */
  onDigestPending(service: string): void;
}

export const NO_SUPPLY_CHAIN_OBSERVER: SupplyChainObserver = {
  onRefused: () => {},
  onPoll: () => {},
  onPrune: () => {},
  onDigestPending: () => {},
};

/** What asked for a tag's admission: a webhook, a poll, or a rollout of a tag edited by hand. */
export type AdmitVia = "webhook" | "poll" | "edit";
