import type { ConsulConfig } from "../config/types.js";
import { NotFoundError, UpstreamUnavailableError } from "../core/errors.js";
import type { AllocCheck, ServiceHealth } from "./kv-store.js";
import { ConsulConnection, ResponseContext, type ConsulConnectionOptions } from "./consul-connection.js";
import type { ConsulHealthCheck, WithResponse } from "./consul-raw.js";

/** Nomad allocation IDs are UUIDs; anything else must not reach a filter expression. */
const ALLOC_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const STATUSES = new Set<AllocCheck["status"]>(["passing", "warning", "critical"]);

/**
 * `ServiceHealth` over Consul's catalog. Nomad registers each allocation's services under IDs
 * `_nomad-task-<allocID>-…` (nomad-consul reference), so one filtered `/v1/health/state/any`
 * finds an allocation's checks cluster-wide without knowing its service names or node.
 */
export class ConsulServiceHealth implements ServiceHealth {
  private readonly conn: ConsulConnection;

  constructor(source: ConsulConfig | ConsulConnection, options: ConsulConnectionOptions = {}) {
    this.conn = source instanceof ConsulConnection ? source : new ConsulConnection(source, options);
  }

  async checksForAlloc(allocId: string): Promise<AllocCheck[]> {
    const filter = allocFilter(allocId);
    const checks = await this.conn.call(`health.state alloc ${allocId}`, (c) =>
      c.health.state({ state: "any", filter }),
    );
    return checks.map(toAllocCheck);
  }

  /**
   * `checksForAlloc` as a blocking query (Consul's "Blocking Queries"): the health gate waits on
   * it, so a check that flips is seen at once instead of at the next poll. An index below 1 reads
   * without blocking; the returned index is never below 1.
   */
  async watchChecksForAlloc(
    allocId: string,
    index: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ checks: AllocCheck[]; index: number }> {
    signal?.throwIfAborted();
    const filter = allocFilter(allocId);
    const ctx = new ResponseContext();
    const cancel = () => ctx.emit("cancel");
    signal?.addEventListener("abort", cancel, { once: true });
    const blocking = this.conn.blocking(index, waitMs);
    try {
      const reply = (await this.conn.call(
        `health.state alloc ${allocId} (blocking)`,
        (c) => c.health.state({ state: "any", filter, ctx, ...blocking }),
        signal,
      )) as unknown as WithResponse<ConsulHealthCheck[]>;
      const [response, checks] = reply;
      const next = Number(response.headers["x-consul-index"] ?? 0);
      return {
        checks: (checks ?? []).map(toAllocCheck),
        index: Number.isFinite(next) && next >= 1 ? next : 1,
      };
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
  }

  async passingInstances(
    service: string,
  ): Promise<Array<{ address: string; port: number; serviceId: string }>> {
    const entries = await this.conn.call(`health.service ${service}`, (c) =>
      c.health.service({ service, passing: true }),
    );
    // An empty Service.Address means "the node's address" in Consul's catalog.
    return entries.map((entry) => ({
      address: entry.Service.Address || entry.Node.Address,
      port: entry.Service.Port,
      serviceId: entry.Service.ID,
    }));
  }

  /**
   * Consul maintenance mode for one service instance: the agent adds a critical
   * `_service_maintenance:<id>` check, so the instance leaves every `?passing` answer and DNS
   * (and `checksForAlloc` reports that check). It is agent-local: this works for services
   * registered by the agent we talk to, which is every service on a single-node dev cluster; on a
   * bigger cluster tagroll must talk to the allocation's node agent. Unknown service → `NotFoundError`.
   */
  async setMaintenance(serviceId: string, enable: boolean, reason: string): Promise<void> {
    try {
      await this.conn.client.agent.service.maintenance({ id: serviceId, enable, reason });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        throw new NotFoundError(`Consul at ${this.conn.where}: no service ${serviceId} on this agent`);
      }
      throw this.conn.toError(`agent.service.maintenance ${serviceId}`, error);
    }
  }

  /** False when the agent is unreachable or the cluster has no leader; never throws for that. */
  async ping(): Promise<boolean> {
    try {
      const leader = await this.conn.call("status.leader", (c) => c.status.leader());
      return typeof leader === "string" && leader.length > 0;
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) return false;
      throw error;
    }
  }

  close(): void {
    this.conn.close();
  }
}

function allocFilter(allocId: string): string {
  if (!ALLOC_ID.test(allocId)) throw new Error(`not a Nomad allocation ID: ${JSON.stringify(allocId)}`);
  return `ServiceID matches "^_nomad-task-${allocId}-"`;
}

function toAllocCheck(check: ConsulHealthCheck): AllocCheck {
  return {
    checkId: check.CheckID,
    serviceId: check.ServiceID,
    serviceName: check.ServiceName,
    // Consul also knows "maintenance"-style states on nodes; for a service check anything
    // unexpected is treated as failing, the safe side for a health gate.
    status: STATUSES.has(check.Status as AllocCheck["status"])
      ? (check.Status as AllocCheck["status"])
      : "critical",
    output: check.Output,
  };
}
