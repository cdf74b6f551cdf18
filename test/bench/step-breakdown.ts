import type { SeenEvent } from "./bench-tagroll.js";

/** The steps an allocation goes through (ARCHITECTURE.md, "The allocation state machine"), in order. */
export const STEPS = ["rendering", "draining", "restarting", "health", "healthy"] as const;

/**
 * Mean time the allocations of one rollout (to `value`) spent in each step, from the
 * coordinator's `alloc-step` events: a step lasts from its event to the allocation's next one.
 * `healthy` is final, so it has no duration; a step nobody went through is absent.
 */
export function stepBreakdown(events: readonly SeenEvent[], value: string): Map<string, number> {
  const byAlloc = new Map<string, Array<{ step: string; at: number }>>();
  for (const { event } of events) {
    if (event.type !== "alloc-step" || event.value !== value) continue;
    byAlloc.set(event.allocId, [...(byAlloc.get(event.allocId) ?? []), { step: event.step, at: event.at }]);
  }
  const spent = new Map<string, number[]>();
  for (const steps of byAlloc.values()) {
    steps.sort((a, b) => a.at - b.at);
    for (let i = 0; i + 1 < steps.length; i++) {
      const { step, at } = steps[i] as { step: string; at: number };
      spent.set(step, [...(spent.get(step) ?? []), (steps[i + 1] as { at: number }).at - at]);
    }
  }
  return new Map([...spent].map(([step, times]) => [step, times.reduce((a, b) => a + b, 0) / times.length]));
}
