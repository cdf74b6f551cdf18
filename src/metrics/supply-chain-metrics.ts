import { Counter, type Registry } from "prom-client";
import type { SupplyChainObserver } from "../supply-chain/supply-chain-observer.js";
import { safeLabel } from "./safe-label.js";

/**
 * Series of the supply-chain features (README, "Supply chain"), on the runtime's registry:
 * refused pushes and polls, poll outcomes, and pruned tags.
 */
export function supplyChainMetrics(registry: Registry): SupplyChainObserver {
  const registers = [registry];
  const refused = new Counter({
    name: "tagroll_supply_chain_refused_total",
    help: "Pushes and polled tags refused before writing: unsigned, wrong_key, other_image, not_found",
    labelNames: ["service", "reason", "via"] as const,
    registers,
  });
  const polls = new Counter({
    name: "tagroll_registry_polls_total",
    help: "Registry polls by outcome: written, unchanged, refused, failed, rate_limited",
    labelNames: ["service", "outcome"] as const,
    registers,
  });
  const pruned = new Counter({
    name: "tagroll_prune_tags_total",
    help: "Tags handled by registry pruning: deleted, failed",
    labelNames: ["service", "outcome"] as const,
    registers,
  });
  const digestPending = new Counter({
    name: "tagroll_digest_pending_total",
    help: "Rollout starts of a tag written without tagroll held back because its digest could not be resolved",
    labelNames: ["service"] as const,
    registers,
  });
  return {
    onRefused: (service, kind, via) =>
      refused.inc({ service: safeLabel(service), reason: safeLabel(kind), via }),
    onPoll: (service, outcome) => polls.inc({ service: safeLabel(service), outcome: safeLabel(outcome) }),
    onPrune: (service, outcome, count) =>
      pruned.inc({ service: safeLabel(service), outcome: safeLabel(outcome) }, count),
    onDigestPending: (service) => digestPending.inc({ service: safeLabel(service) }),
  };
}
