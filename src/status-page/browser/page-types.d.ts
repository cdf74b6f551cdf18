/**
 * The shapes the status page's browser code works with: `GET status/data` (StatusSnapshot in
 * ../status-snapshot.ts) and the coordinator events of `GET status/events` (src/coordinator/model/
 * rollout-events.ts), as plain JSON — plus what the page adds while it applies events.
 */

interface AllocView {
  allocId: string;
  name?: string;
  jobId?: string;
  group?: string;
  /** The allocation's step in the rollout shown. */
  step?: string;
  /** The value it runs, as far as the page knows. */
  running?: string;
  rendered?: string;
  /** Set by a drift event until the next snapshot. */
  drift?: boolean;
  /** Why its restart went out while still in rotation (AllocProgress.undrained). */
  undrained?: string;
}

interface RolloutView {
  id: string;
  kind: string;
  status: string;
  value: string;
  previousValue?: string;
  startedAt: number;
  finishedAt?: number;
  superseded?: string[];
  error?: string;
  allocs?: unknown[];
}

interface HistoryView {
  at: string;
  kind: string;
  tag: string;
  previous?: string;
  source?: string;
  outcome?: string;
  message?: string;
}

interface ServiceView {
  service: string;
  key: string;
  desired?: string;
  rollout?: RolloutView;
  allocations: AllocView[];
  history: HistoryView[];
  error?: string;
}

interface LeaderView {
  instance?: string;
  since?: string;
}

interface Snapshot {
  generatedAt: number;
  leader?: LeaderView;
  services: ServiceView[];
}

interface EventBase {
  service: string;
  rolloutId: string;
  at: number;
}

type PageEvent =
  | { type: "leadership"; leader: boolean; at: number; service?: undefined }
  | (EventBase & {
      type: "rollout-started";
      kind: string;
      value: string;
      previousValue?: string;
      resumed: boolean;
    })
  | (EventBase & {
      type: "alloc-step";
      allocId: string;
      allocName: string;
      jobId: string;
      group: string;
      step: string;
      value: string;
      error?: string;
      undrained?: string;
    })
  | (EventBase & { type: "rollout-superseded"; from: string; to: string })
  | (EventBase & { type: "rollout-reverting"; from: string; to: string; reason: string })
  | (EventBase & {
      type: "rollout-finished";
      status: string;
      value: string;
      durationMs: number;
      error?: string;
    })
  | { type: "drift"; service: string; allocId: string; desired: string; rendered?: string; at: number };
