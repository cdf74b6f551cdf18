import type { ServiceConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import { ConflictError, NotFoundError, ValidationError } from "../core/errors.js";
import type { KvStore } from "../kv/kv-store.js";
import type { HistoryStore } from "../state/history-store.js";
import { isValidTag } from "../webhooks/tag-grammar.js";
import { waitingView, type WaitingValue, type WaitingView } from "./gate-record.js";
import { GateStore } from "./gate-store.js";

export interface ApproveResult {
  service: string;
  value: string;
  /** The value's approvals after this one, and how many it needs. */
  approvals: WaitingView["approvals"];
  required: number;
  /** Enough distinct approvers: the leader starts it (or schedules it for the next window). */
  approved: boolean;
}

export interface RejectResult {
  service: string;
  value: string;
  rejectedBy: string;
  reason?: string;
}

export interface ApprovalActionsOptions {
  services: readonly ServiceConfig[];
  kv: KvStore;
  history: HistoryStore;
  clock: Clock;
}

/**
 * What approvers do (README, "Approvals"): approve or reject the value a service's gate holds,
 * and the admin's `deploy --now` override. Each is one compare-and-set on
 * `tagroll/gates/<service>` plus a history entry; the leader's gate does the rest, so an
 * approval can never start a rollout twice. `by` is the API token's subject (or `cli:<user>`).
 */
export class ApprovalActions {
  private readonly store: GateStore;

  constructor(private readonly o: ApprovalActionsOptions) {
    this.store = new GateStore(o.kv, o.clock);
  }

  async approve(serviceName: string, by: string, value?: string): Promise<ApproveResult> {
    const service = this.service(serviceName, value);
    let approved: WaitingValue | undefined;
    await this.store.update(service, (gate) => {
      const waiting = waitingFor(service, gate.waiting, value);
      if (waiting.kind !== "pending-approval") {
        throw new ConflictError(
          `${waiting.value} on ${service} is already approved and ${scheduled(waiting)}`,
        );
      }
      if (waiting.approvals.some((a) => a.by === by)) {
        throw new ConflictError(
          `${by} already approved ${waiting.value} on ${service} (${waiting.approvals.length}/${waiting.required}); ` +
            "approvals must come from distinct approvers",
        );
      }
      waiting.approvals.push({ by, at: this.o.clock.now() });
      approved = waiting;
      return gate;
    });
    const waiting = approved as WaitingValue;
    const count = `${waiting.approvals.length}/${waiting.required}`;
    await this.o.history.append(service, {
      kind: "approved",
      tag: waiting.value,
      source: by,
      outcome: waiting.approvals.length >= waiting.required ? "approved" : "counted",
      message: `approved by ${by} (${count})`,
    });
    const view = waitingView(waiting) as WaitingView;
    return {
      service,
      value: waiting.value,
      approvals: view.approvals,
      required: waiting.required,
      approved: waiting.approvals.length >= waiting.required,
    };
  }

  /** Drops the waiting value; the leader puts the running value back into the key. */
  async reject(serviceName: string, by: string, value?: string, reason?: string): Promise<RejectResult> {
    const service = this.service(serviceName, value);
    if (reason !== undefined && reason.length > 500)
      throw new ValidationError("reason: at most 500 characters");
    let rejected = "";
    await this.store.update(service, (gate) => {
      const waiting = waitingFor(service, gate.waiting, value);
      rejected = waiting.value;
      delete gate.waiting;
      gate.dropped = { value: waiting.value, at: this.o.clock.now(), why: "rejected" };
      return gate;
    });
    await this.o.history.append(service, {
      kind: "rejected",
      tag: rejected,
      source: by,
      outcome: "rejected",
      message: `rejected by ${by}${reason ? `: ${reason}` : ""}`,
    });
    return { service, value: rejected, rejectedBy: by, ...(reason !== undefined && { reason }) };
  }

  /**
   * `deploy --now`: lets `value` skip the deploy window and counts as `by`'s approval. Written
   * after the value itself, so a failed deploy leaves no override behind for a later push.
   */
  async overrideWindow(serviceName: string, value: string, by: string): Promise<void> {
    const service = this.service(serviceName, value);
    await this.store.update(service, (gate) => ({
      ...gate,
      override: { value, by, at: this.o.clock.now() },
    }));
    await this.o.history.append(service, {
      kind: "deploy-now",
      tag: value,
      source: by,
      outcome: "override",
      message: `deploy --now by ${by}: skips the deploy window and counts as ${by}'s approval`,
    });
  }

  private service(name: string, value: string | undefined): string {
    if (!this.o.services.some((s) => s.name === name)) {
      throw new NotFoundError(`unknown service ${JSON.stringify(name)}`);
    }
    if (value !== undefined && !isValidTag(value)) throw new ValidationError("value: not a valid image tag");
    return name;
  }
}

function waitingFor(
  service: string,
  waiting: WaitingValue | undefined,
  value: string | undefined,
): WaitingValue {
  if (!waiting) throw new ConflictError(`nothing is waiting for approval on ${service}`);
  if (value !== undefined && value !== waiting.value) {
    throw new ConflictError(`${value} is not waiting on ${service}; the waiting value is ${waiting.value}`);
  }
  return waiting;
}

function scheduled(waiting: WaitingValue): string {
  return waiting.opensAt === undefined
    ? "waits for a deploy window"
    : `starts when the deploy window opens at ${new Date(waiting.opensAt).toISOString()}`;
}
