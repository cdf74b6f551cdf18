import type { AllocationStatus } from "../operations/index.js";
import type { RolloutRecord } from "../coordinator/index.js";

/**
 * The value an allocation's process runs, as far as tagroll can tell. The rendered file alone
 * is not it: with `change_mode = "noop"` every allocation renders a new value at once, and only
 * runs it after tagroll restarts it. So:
 * - an allocation this rollout has restarted (or is restarting) runs `restartedFor`;
 * - one still waiting its turn runs what it was last restarted for, else what the service ran
 *   before the rollout (`previousValue`);
 * - one the rollout does not list (placed later, or no rollout yet) started with what it renders.
 */
export function runningValue(alloc: AllocationStatus, record: RolloutRecord | undefined): string | undefined {
  const entry = record?.allocs.find((a) => a.allocId === alloc.allocId);
  if (!record || !entry) return alloc.rendered;
  switch (entry.state) {
    case "pending":
    case "rendering":
      return entry.restartedFor ?? record.previousValue ?? alloc.rendered;
    case "restarting":
    case "health":
    case "healthy":
    case "failed":
      return entry.restartedFor ?? alloc.rendered;
  }
}
