import type { ServiceConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import type { NomadApi, NomadScope } from "../nomad/nomad-api.js";
import { isRunning } from "../coordinator/index.js";
import { renderedValue } from "../coordinator/index.js";
import type { AllocStepState, RolloutRecord } from "../coordinator/index.js";
import { resolveTargets, type GroupTarget } from "../coordinator/index.js";
import type { WaitingView } from "../gates/gate-record.js";
import { digestPinnedFor } from "../supply-chain/digest-sync.js";

/** One running allocation as the status page and `tagroll status` show it. */
export interface AllocationStatus {
  allocId: string;
  name: string;
  jobId: string;
  group: string;
  node: string;
  clientStatus: string;
  /** Value in its rendered template, when it could be read. */
  rendered?: string;
  /** A service that pins digests: the digest its template renders (README, "Supply chain"). */
  renderedDigest?: string;
  /** Its step in the current/last rollout, when it is part of it. */
  step?: AllocStepState;
  /** Why its restart in that rollout went out undrained (AllocProgress.undrained). */
  undrained?: string;
  restartedFor?: string;
}

/** A pending promotion to another pair as status shows it: times as ISO-8601. */
export interface PromotionView {
  to: string;
  value: string;
  since: string;
  attempts: number;
  lastError?: string;
  lastAttemptAt?: string;
}

export interface DigestStatus {
  key: string;
  desired?: string;
  deployed?: string;
  /**
   * Set while the tag key holds a value written after the digest key (a `consul kv put` of the
   * tag, `tagroll deploy`): the digest key still names the previous image until the leader pins
   * the new tag's digest, which it does before any restart (src/supply-chain/digest-sync.ts), and
   * which waits while the registry cannot be reached.
   */
  pending?: string;
}

/** Plain JSON: what `status` returns for one service. */
export interface ServiceStatus {
  service: string;
  key: string;
  /** The desired value in Consul KV (undefined when the key does not exist). */
  desired?: string;
  rollout?: RolloutRecord;
  /**
   * Set for a service that pins digests (README, "Supply chain"): `desired` is the digest key's
   * value in Consul KV, `deployed` the digest the last rollout moved every allocation to when it
   * succeeded (RolloutRecord.digest; absent while one runs, after one failed, or without one).
   */
  digest?: DigestStatus;
  /**
   * A new value the service's gate holds back: waiting for approvals or for a deploy window
   * (README, "Approvals, deploy windows and promotion"). `status` always sets it (null: nothing).
   */
  waiting?: WaitingView | null;
  /**
   * A promotion to a service on another Consul/Nomad pair not delivered yet, with the last
   * attempt's error (README, "Promotion to another cluster"). Absent: nothing pending.
   */
  promotion?: PromotionView;
  allocations: AllocationStatus[];
  /** Set when Nomad could not be asked; `allocations` is then empty. */
  error?: string;
}

/**
 * The running allocations of a service's targets with the value each renders, joined with the
 * rollout record. Best effort: a Nomad failure is reported in `error`, not thrown, so status
 * still answers for the services Nomad can be asked about.
 */
export async function allocationStatus(
  service: ServiceConfig,
  record: RolloutRecord | undefined,
  nomad: NomadApi,
  defaults: NomadScope,
  logger: Logger,
): Promise<{ allocations: AllocationStatus[]; error?: string }> {
  const progress = new Map((record?.allocs ?? []).map((a) => [a.allocId, a]));
  const allocations: AllocationStatus[] = [];
  try {
    for (const target of await resolveTargets(service, nomad, defaults, logger)) {
      const allocs = await nomad.jobAllocations(target.jobId, target.scope);
      for (const alloc of allocs.filter((a) => isRunning(a) && a.TaskGroup === target.group)) {
        const status: AllocationStatus = {
          allocId: alloc.ID,
          name: alloc.Name,
          jobId: alloc.JobID,
          group: alloc.TaskGroup,
          node: alloc.NodeID,
          clientStatus: alloc.ClientStatus,
        };
        const file = target.files[0];
        const content = file
          ? await nomad.readAllocFile(alloc.ID, file, target.scope).catch(() => undefined)
          : undefined;
        const rendered = content === undefined ? undefined : renderedValue(content, target.valueName);
        if (rendered !== undefined) status.rendered = rendered;
        const digest = target.digest && (await renderedDigest(nomad, alloc.ID, target, file, content));
        if (digest) status.renderedDigest = digest;
        const entry = progress.get(alloc.ID);
        if (entry) status.step = entry.state;
        if (entry?.undrained) status.undrained = entry.undrained;
        if (entry?.restartedFor !== undefined) status.restartedFor = entry.restartedFor;
        allocations.push(status);
      }
    }
    return { allocations };
  } catch (err) {
    return { allocations: [], error: (err as Error).message };
  }
}

/** The digest an allocation renders; its file is read again only when it is not the tag's. */
async function renderedDigest(
  nomad: NomadApi,
  allocId: string,
  target: GroupTarget,
  tagFile: string | undefined,
  tagContent: string | undefined,
): Promise<string | undefined> {
  const file = target.digest?.files[0];
  if (!target.digest || file === undefined) return undefined;
  const content =
    file === tagFile
      ? tagContent
      : await nomad.readAllocFile(allocId, file, target.scope).catch(() => undefined);
  return content === undefined ? undefined : renderedValue(content, target.digest.name);
}

/** The digest part of a pinned service's status; undefined when the service does not pin digests. */
export function digestStatus(
  service: ServiceConfig,
  desired: string | undefined,
  rollout: RolloutRecord | undefined,
  written?: { tagIndex?: number; tag?: string; digest?: { modifyIndex: number; flags?: number } },
): DigestStatus | undefined {
  const key = service.supplyChain?.digestKey;
  if (key === undefined) return undefined;
  const status: DigestStatus = { key };
  if (desired !== undefined) status.desired = desired;
  // Pending: what the leader's digestSync would still resolve before a restart (digestPinnedFor).
  const { tagIndex, digest, tag } = written ?? {};
  const pinned = digest !== undefined && tagIndex !== undefined && digestPinnedFor(digest, tagIndex);
  // A rollout of that tag that has ended (refused: ended failed) says itself what happened.
  const ended = rollout !== undefined && rollout.value === tag && rollout.status !== "running";
  if (!ended && tagIndex !== undefined && !pinned) {
    status.pending = `${tag ?? "the tag"} was written without its digest; the leader pins it before any restart`;
  }
  // Only a rollout that reached every allocation deployed its digest; a running one is still on
  // its way (each allocation's renderedDigest shows how far), a failed or reverted one did not.
  if (rollout?.status === "succeeded" && rollout.digest !== undefined) status.deployed = rollout.digest;
  return status;
}
