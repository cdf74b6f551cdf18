import type { TagrollConfig } from "../config/types.js";
import { NotFoundError, ValidationError } from "../core/errors.js";
import type { DeployResult, Operations, StatusReport } from "../operations/index.js";
import type { RolloutEvent } from "../coordinator/index.js";
import { isActive } from "../coordinator/index.js";
import { loadRecord } from "../coordinator/index.js";
import type { KvStore } from "../kv/kv-store.js";
import type { HistoryStore } from "../state/history-store.js";
import type {
  AdminClient,
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
  /** Closes the clients this instance owns (the CLI's local mode); nothing by default. */
  onClose?: () => Promise<void>;
}

/**
 * The operator operations over `Operations` and the state stores: what the API routes call and
 * what the CLI runs in local mode. `actor` ends up in history (`cli`, `api:<token subject>`).
 */
export class AdminActions implements AdminClient {
  constructor(private readonly o: AdminActionsOptions) {}

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

  deploy(service: string, tag: string, actor = "cli"): Promise<DeployResult> {
    return this.o.operations.deploy(service, tag, { source: actor });
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

  /** Throws NotFoundError (404) unless `name` is a configured service. */
  requireService(name: string): void {
    if (!this.o.config.services.some((s) => s.name === name)) {
      throw new NotFoundError(`unknown service ${JSON.stringify(name)}`);
    }
  }
}
