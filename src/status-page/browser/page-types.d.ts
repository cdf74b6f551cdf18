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
  /** The digest its template renders, for a service that pins digests. */
  renderedDigest?: string;
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

/** A service that pins digests (DigestStatus in src/operations/service-status.ts). */
interface DigestView {
  key: string;
  desired?: string;
  deployed?: string;
  pending?: string;
}

interface ServiceView {
  service: string;
  key: string;
  desired?: string;
  digest?: DigestView;
  rollout?: RolloutView;
  allocations: AllocView[];
  history: HistoryView[];
  error?: string;
  /** A value waiting for approval or a deploy window; null or absent when none. */
  waiting?: WaitingView | null;
  /** A promotion to another Consul/Nomad pair not delivered yet (README, "Promotion to another cluster"). */
  promotion?: { to: string; value: string; since: string; attempts: number; lastError?: string };
}

interface LeaderView {
  instance?: string;
  since?: string;
  /** The leader's Nomad event stream (LeaderReport in src/operations/operations.ts). */
  nomadEvents?: {
    state: string;
    reason?: string;
    since?: string;
    uncheckedGap?: { reason?: string; since?: string };
  };
}

interface Snapshot {
  generatedAt: number;
  leader?: LeaderView;
  viewer?: ViewerView;
  services: ServiceView[];
}

interface EventBase {
  service: string;
  rolloutId: string;
  at: number;
}

type PageEvent =
  | { type: "leadership"; leader: boolean; at: number; service?: undefined }
  | (EventBase & { type: "gate"; change: string; value: string; waiting: WaitingView | null })
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

/** A value that waits before it rolls out (ServiceStatus.waiting, from the approvals/windows work). */
interface WaitingView {
  kind: "pending-approval" | "scheduled";
  value: string;
  since?: string | number;
  approvals?: Array<{ by: string; at: string | number }>;
  required: number;
  expiresAt?: string | number;
  opensAt?: string | number;
  /** The digest pushed with the value, for a service that pins digests. */
  digest?: string;
}

/** The token behind the snapshot (`viewer` of GET status/data). */
interface ViewerView {
  subject: string;
  scopes: string[];
}

/** One button's request and the question asked before it is sent (browser/actions.js). */
interface PageAction {
  id: "approve" | "reject" | "deploy" | "rollback" | "restart";
  label: string;
  confirm: string;
  /** Relative to the page, e.g. `api/v1/services/web/rollback`. */
  path: string;
  body?: Record<string, string>;
  /** Ask for an optional reason (sent as `reason`). */
  reason?: boolean;
  danger?: boolean;
}
