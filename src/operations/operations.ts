import { randomUUID } from "node:crypto";
import type { ServiceConfig, TagrollConfig } from "../config/types.js";
import { systemClock, type Clock } from "../core/clock.js";
import { NotFoundError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import { writeDesiredTag } from "../state/desired-tag-writer.js";
import { writePinnedTag } from "../supply-chain/pinned-write.js";
import { HistoryStore, type HistoryEntry } from "../state/history-store.js";
import { assertValidTag } from "../webhooks/tag-grammar.js";
import { followRollout, type FollowOptions } from "./follow-rollout.js";
import type { RestartRequest } from "../coordinator/index.js";
import { requestKey } from "../state/kv-layout.js";
import type { RolloutEvent } from "../coordinator/index.js";
import { loadRecord } from "../coordinator/index.js";
import { allocationStatus, digestStatus, type ServiceStatus } from "./service-status.js";
import { nomadDefaults } from "../coordinator/index.js";
import { GateStore } from "../gates/gate-store.js";
import { promotionView, waitingView } from "../gates/gate-record.js";

export interface OperationsOptions {
  config: TagrollConfig;
  kv: KvStore;
  nomad: NomadApi;
  logger: Logger;
  clock?: Clock;
}

export interface DeployResult {
  service: string;
  key: string;
  value: string;
  previous?: string;
  /** False when the key already held the value: no rollout follows. */
  changed: boolean;
  /** Id of the service's rollout record before the write; `follow` skips it. */
  rolloutBefore?: string;
}

/** Who holds `tagroll/leader`, as written in the key (src/coordinator/leader/leader-election.ts). */
export interface LeaderReport {
  instance?: string;
  since?: string;
  /** The leader's Nomad event stream: `refused` or `disconnected` means only the sweep finds changes. */
  nomadEvents?: {
    state: string;
    reason?: string;
    since?: string;
    /** Since when what changed in Nomad during a stream outage could not be listed (retried). */
    uncheckedGap?: { reason?: string; since?: string };
  };
}

export interface StatusReport {
  /** Undefined when nobody leads. */
  leader?: LeaderReport;
  services: ServiceStatus[];
}

/**
 * The operations the CLI and the HTTP API offer (README, "Command line"), usable from any process:
 * they only write Consul KV — the desired value, or a restart request — and read back what the
 * leader persists. The leader does the restarts, so these never bypass the health gate.
 */
export class Operations {
  private readonly clock: Clock;
  private readonly history: HistoryStore;

  constructor(private readonly o: OperationsOptions) {
    this.clock = o.clock ?? systemClock;
    this.history = new HistoryStore(o.kv, { limit: o.config.historyLimit, clock: this.clock });
  }

  /** Writes `tag` as the service's desired value (CAS, like the ingress); the leader rolls it out. */
  async deploy(
    serviceName: string,
    tag: string,
    options: { source?: string; kind?: "operator" | "rollback"; digest?: string } = {},
  ): Promise<DeployResult> {
    const service = this.service(serviceName);
    assertValidTag(tag);
    const rolloutBefore = (await loadRecord(this.o.kv, service.name))?.id;
    // issue 12: a rollback writes the digest its value ran with beside it, in one transaction;
    // otherwise the leader resolves the digest before the rollout (src/supply-chain/digest-sync.ts).
    const digestKey = service.supplyChain?.digestKey;
    const write =
      digestKey !== undefined && options.digest !== undefined
        ? await writePinnedTag(
            this.o.kv,
            service.key,
            tag,
            { key: digestKey, value: options.digest },
            this.clock,
          )
        : await writeDesiredTag(this.o.kv, service.key, () => ({ write: tag }), { clock: this.clock });
    const result: DeployResult = {
      service: service.name,
      key: service.key,
      value: tag,
      changed: write.outcome === "written",
    };
    const previous = write.outcome === "written" ? write.previous : write.current;
    if (previous !== undefined) result.previous = previous;
    if (rolloutBefore !== undefined) result.rolloutBefore = rolloutBefore;
    if (result.changed) {
      const entry = {
        kind: options.kind ?? "operator",
        tag,
        source: options.source ?? "cli",
        outcome: "written",
        ...(options.digest !== undefined && digestKey !== undefined && { digest: options.digest }),
      } as const;
      await this.history.append(service.name, previous === undefined ? entry : { ...entry, previous });
    }
    this.o.logger.info({ service: service.name, tag, previous, changed: result.changed }, "deploy requested");
    return result;
  }

  /** Progress of the service's next (or current) rollout, until it ends; see followRollout. */
  follow(serviceName: string, options: FollowOptions = {}): AsyncGenerator<RolloutEvent> {
    const service = this.service(serviceName);
    return followRollout(this.o.kv, this.clock, service.name, options);
  }

  /** Asks the leader for a health-gated rolling restart of every allocation, value unchanged. */
  async restart(serviceName: string, by = "cli"): Promise<{ service: string; requestId: string }> {
    const service = this.service(serviceName);
    const request: RestartRequest = { id: randomUUID(), kind: "restart", requestedAt: this.clock.now(), by };
    await this.o.kv.set(requestKey(service.name), JSON.stringify(request));
    return { service: service.name, requestId: request.id };
  }

  /** Deploys the value the service ran before the current one, from its history. */
  async rollback(serviceName: string, source = "cli"): Promise<DeployResult> {
    const service = this.service(serviceName);
    const current = (await this.o.kv.get(service.key))?.value;
    const target = previousRun(await this.history.list(service.name), current);
    if (target === undefined) throw new NotFoundError(`no earlier value of ${service.name} to roll back to`);
    return this.deploy(service.name, target.value, {
      source,
      kind: "rollback",
      ...(target.digest !== undefined && { digest: target.digest }),
    });
  }

  async status(serviceName?: string): Promise<StatusReport> {
    const services = serviceName ? [this.service(serviceName)] : this.o.config.services;
    const report: StatusReport = { services: [] };
    const leader = await this.o.kv.get(this.o.config.coordinator.leaderKey);
    if (leader?.session) report.leader = parseLeader(leader.value);
    for (const service of services) {
      const digestKey = service.supplyChain?.digestKey;
      const [desired, rollout, gate, pinned] = await Promise.all([
        this.o.kv.get(service.key),
        loadRecord(this.o.kv, service.name),
        new GateStore(this.o.kv, this.clock).load(service.name),
        digestKey === undefined ? undefined : this.o.kv.get(digestKey),
      ]);
      const live = await allocationStatus(
        service,
        rollout,
        this.o.nomad,
        nomadDefaults(this.o.config),
        this.o.logger,
      );
      const status: ServiceStatus = {
        service: service.name,
        key: service.key,
        waiting: waitingView(gate.waiting),
        allocations: live.allocations,
      };
      if (gate.remotePromotion) status.promotion = promotionView(gate.remotePromotion);
      if (desired) status.desired = desired.value;
      if (rollout) status.rollout = rollout;
      const digest = digestStatus(service, pinned?.value, rollout, {
        ...(desired && { tagIndex: desired.modifyIndex, tag: desired.value }),
        ...(pinned && { digest: pinned }),
      });
      if (digest) status.digest = digest;
      if (live.error) status.error = live.error;
      report.services.push(status);
    }
    return report;
  }

  private service(name: string): ServiceConfig {
    const service = this.o.config.services.find((s) => s.name === name);
    if (!service) throw new NotFoundError(`unknown service ${JSON.stringify(name)}`);
    return service;
  }
}

/**
 * The newest value the service actually ran that is not the current one: a succeeded rollout
 * ran its tag, and before it its previous value; a reverted rollout ended on its previous value.
 */
export function previousValue(history: HistoryEntry[], current: string | undefined): string | undefined {
  return previousRun(history, current)?.value;
}

/** previousValue and, when the history entry recorded it, the digest that value ran with (issue 12). */
export function previousRun(
  history: HistoryEntry[],
  current: string | undefined,
): { value: string; digest?: string } | undefined {
  for (const entry of [...history].reverse()) {
    const ran: Array<[string | undefined, string | undefined]> = [];
    if (entry.outcome === "succeeded" && (entry.kind === "rollout" || entry.kind === "restart")) {
      ran.push([entry.tag, entry.digest], [entry.previous, entry.previousDigest]);
    } else if (entry.kind === "revert" && entry.outcome === "reverted") {
      ran.push([entry.previous, entry.previousDigest]);
    }
    const found = ran.find(([value]) => value !== undefined && value !== current);
    if (found?.[0] !== undefined)
      return { value: found[0], ...(found[1] !== undefined && { digest: found[1] }) };
  }
  return undefined;
}

function parseLeader(value: string): LeaderReport {
  try {
    const parsed = JSON.parse(value) as { instance?: unknown; since?: unknown; nomadEvents?: unknown };
    const leader: LeaderReport = {};
    if (typeof parsed.instance === "string") leader.instance = parsed.instance;
    if (typeof parsed.since === "string") leader.since = parsed.since;
    const events = parsed.nomadEvents as
      { state?: unknown; reason?: unknown; since?: unknown; uncheckedGap?: unknown } | undefined;
    if (events && typeof events.state === "string") {
      const gap = events.uncheckedGap as { reason?: unknown; since?: unknown } | undefined;
      leader.nomadEvents = {
        state: events.state,
        ...(typeof events.reason === "string" && { reason: events.reason }),
        ...(typeof events.since === "string" && { since: events.since }),
        ...(typeof gap === "object" &&
          gap !== null && {
            uncheckedGap: {
              ...(typeof gap.reason === "string" && { reason: gap.reason }),
              ...(typeof gap.since === "string" && { since: gap.since }),
            },
          }),
      };
    }
    return leader;
  } catch {
    return {};
  }
}
