import type { TagrollConfig } from "../config/types.js";
import { NotFoundError, ValidationError } from "../core/errors.js";
import type { DeployResult, Operations, StatusReport } from "../operations/index.js";
import type { RolloutEvent } from "../coordinator/index.js";
import { isActive } from "../coordinator/index.js";
import { loadRecord } from "../coordinator/index.js";
import type { KvStore } from "../kv/kv-store.js";
import type { HistoryStore } from "../state/history-store.js";
import { systemClock, type Clock } from "../core/clock.js";
import { ApprovalActions } from "../gates/approval-actions.js";
import { ForbiddenError } from "../core/errors.js";
import type {
  AdminClient,
  ApproveResult,
  DeployOptions,
  RejectOptions,
  RejectResult,
  FollowRequest,
  HistoryReport,
  RestartResult,
  RolloutsReport,
} from "./admin-client.js";

export interface AdminActionsOptions {
  operations: Operations;
  config: TagrollConfig;
  kv: KvStore;
  history: HistoryStore;
  clock?: Clock;
  /**
   * Who approves through the AdminClient methods (the CLI's local mode: `cli:<user>`). The API
   * passes each caller's token subject instead (`approveAs`, `rejectAs`).
   */
  approver?: string;
  /** Closes the clients this instance owns (the CLI's local mode); nothing by default. */
  onClose?: () => Promise<void>;
}

/**
 * The operator operations over `Operations` and the state stores: what the API routes call and
 * what the CLI runs in local mode. `actor` ends up in history (`cli`, `api:<token subject>`).
 */
export class AdminActions implements AdminClient {
  private readonly approvals: ApprovalActions;

  constructor(private readonly o: AdminActionsOptions) {
    this.approvals = new ApprovalActions({
      services: o.config.services,
      kv: o.kv,
      history: o.history,
      clock: o.clock ?? systemClock,
    });
  }

  status(service?: string): Promise<StatusReport> {
    return this.o.operations.status(service);
  }

  async history(service: string, limit?: number): Promise<HistoryReport> {
    this.requireService(service);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw new ValidationError("limit must be a positive whole number");
    }
    const entries = (await this.o.history.list(service)).reverse();
    return { service, entries: limit === undefined ? entries : entries.slice(0, limit) };
  }

  async rollouts(all = false): Promise<RolloutsReport> {
    const records = await Promise.all(this.o.config.services.map((s) => loadRecord(this.o.kv, s.name)));
    return {
      rollouts: records.filter((r) => r !== undefined && (all || isActive(r))).map((r) => r!),
    };
  }

  /**
   * With `now` (README, "Deploy windows"): the value skips the deploy window and counts as
   * `approver`'s approval; `admin` says whether the caller holds the admin scope.
   */
  async deploy(
    service: string,
    tag: string,
    options: DeployOptions = {},
    actor = "cli",
    approver = this.approver(),
    admin = true,
  ): Promise<DeployResult> {
    if (options.now && !admin) throw new ForbiddenError('deploy --now needs the "admin" scope');
    const result = await this.o.operations.deploy(service, tag, { source: actor });
    if (options.now) await this.approvals.overrideWindow(service, tag, approver);
    return result;
  }

  approve(service: string, value?: string): Promise<ApproveResult> {
    return this.approveAs(this.approver(), service, value);
  }

  approveAs(by: string, service: string, value?: string): Promise<ApproveResult> {
    return this.approvals.approve(service, by, value);
  }

  reject(service: string, options: RejectOptions = {}): Promise<RejectResult> {
    return this.rejectAs(this.approver(), service, options);
  }

  rejectAs(by: string, service: string, options: RejectOptions = {}): Promise<RejectResult> {
    return this.approvals.reject(service, by, options.value, options.reason);
  }

  rollback(service: string, actor = "cli"): Promise<DeployResult> {
    return this.o.operations.rollback(service, actor);
  }

  async restart(service: string, actor = "cli"): Promise<RestartResult> {
    this.requireService(service);
    // Read before the request is written, so following can skip exactly the older record.
    const before = (await loadRecord(this.o.kv, service))?.id;
    const result = await this.o.operations.restart(service, actor);
    return before === undefined ? result : { ...result, rolloutBefore: before };
  }

  follow(service: string, request: FollowRequest = {}): AsyncGenerator<RolloutEvent> {
    return this.o.operations.follow(service, {
      ...(request.after !== undefined && { after: request.after }),
      ...(request.signal !== undefined && { signal: request.signal }),
    });
  }

  async close(): Promise<void> {
    await this.o.onClose?.();
  }

  private approver(): string {
    return this.o.approver ?? "cli";
  }

  /** Throws NotFoundError (404) unless `name` is a configured service. */
  requireService(name: string): void {
    if (!this.o.config.services.some((s) => s.name === name)) {
      throw new NotFoundError(`unknown service ${JSON.stringify(name)}`);
    }
  }
}
