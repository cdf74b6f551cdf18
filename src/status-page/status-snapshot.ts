import type { Clock } from "../core/clock.js";
import type { StatusReport } from "../operations/index.js";
import type { AllocationStatus, ServiceStatus } from "../operations/index.js";
import type { HistoryEntry } from "../state/history-store.js";
import { runningValue } from "./running-value.js";

/** What the page needs from `Operations` (the real one, or a fake in tests). */
export interface StatusSource {
  status(): Promise<StatusReport>;
}

/** What the page needs from `HistoryStore`. */
export interface HistorySource {
  list(service: string): Promise<HistoryEntry[]>;
}

export interface AllocationView extends AllocationStatus {
  /** See runningValue. */
  running?: string;
}

export interface ServiceView extends Omit<ServiceStatus, "allocations"> {
  allocations: AllocationView[];
  /** Most recent first. */
  history: HistoryEntry[];
}

/** `GET /status/data`: plain JSON, everything the page draws. */
export interface StatusSnapshot {
  /** Coordinator-clock ms when the snapshot was started; the page replays newer events over it. */
  generatedAt: number;
  leader?: StatusReport["leader"];
  services: ServiceView[];
}

export interface SnapshotOptions {
  operations: StatusSource;
  history: HistorySource;
  clock: Clock;
  /** History entries shown per service. Default 10. */
  recentHistory?: number;
}

/**
 * Builds snapshots, sharing one build between concurrent callers: when a rollout finishes every
 * open page refetches at once, and each status() asks Nomad about every allocation.
 */
export function snapshotter(o: SnapshotOptions): () => Promise<StatusSnapshot> {
  let inFlight: Promise<StatusSnapshot> | undefined;
  return () => {
    inFlight ??= buildSnapshot(o).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export async function buildSnapshot(o: SnapshotOptions): Promise<StatusSnapshot> {
  const generatedAt = o.clock.now();
  const report = await o.operations.status();
  const keep = Math.max(0, o.recentHistory ?? 10);
  const services = await Promise.all(
    report.services.map(async (status): Promise<ServiceView> => {
      const history = keep === 0 ? [] : (await o.history.list(status.service)).slice(-keep).reverse();
      const allocations = status.allocations.map((alloc) => {
        const running = runningValue(alloc, status.rollout);
        return running === undefined ? { ...alloc } : { ...alloc, running };
      });
      return { ...status, allocations, history };
    }),
  );
  const snapshot: StatusSnapshot = { generatedAt, services };
  if (report.leader) snapshot.leader = report.leader;
  return snapshot;
}
