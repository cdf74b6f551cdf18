import type { RestartRequest } from "../model/index.js";
import { isActive, settledValue, type RolloutRecord } from "../model/index.js";

export type NextAction =
  | { kind: "none" }
  | { kind: "resume"; record: RolloutRecord }
  | { kind: "deploy"; value: string; previousValue?: string }
  | { kind: "restart"; value: string; requestId: string; previousValue?: string }
  | { kind: "adopt"; value: string; previousValue?: string };

/**
 * What a service's runner does next, from the persisted record and the newest desired value:
 * 1. a rollout left running (crash, leader change) is resumed first;
 * 2. a value that differs from the one the service was last rolled out with starts a rollout
 *    (our own revert write does not differ: the record says we are reverting to it);
 * 3. a restart request not yet served starts a rolling restart on the current value;
 * 4. a value seen at start-up with no record at all is adopted as the baseline — tagroll being
 *    installed next to running jobs must not restart them.
 */
export function decideNext(
  record: RolloutRecord | undefined,
  latest: string | undefined,
  initial: boolean,
  request: RestartRequest | undefined,
): NextAction {
  if (record && isActive(record)) return { kind: "resume", record };
  if (latest === undefined) {
    if (record && request && record.requestId !== request.id) {
      return { kind: "restart", value: settledValue(record), requestId: request.id };
    }
    return { kind: "none" };
  }
  if (!record) return initial ? { kind: "adopt", value: latest } : { kind: "deploy", value: latest };
  const settled = settledValue(record);
  if (settled !== latest) return { kind: "deploy", value: latest, previousValue: settled };
  if (request && record.requestId !== request.id)
    return { kind: "restart", value: latest, requestId: request.id };
  return { kind: "none" };
}
