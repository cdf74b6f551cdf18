import type { PushSource } from "../core/push-event.js";
import type { DeployWindow } from "../gates/deploy-window.js";
import type { NotificationKind } from "../notifications/notification-event.js";

/**
 * The validated, fully-defaulted configuration every other module receives. Produced only by
 * `loadConfig` (`src/config/load-config.ts`); nothing else reads files or `process.env`.
 * Durations are milliseconds.
 */
export interface TagrollConfig {
  server: ServerConfig;
  consul: ConsulConfig;
  nomad: NomadConfig;
  /** HS256 keys for webhook tokens and admin JWTs; several may be active so keys rotate. */
  keys: SigningKey[];
  /** `kid` used to sign new tokens; must be one of `keys`. */
  activeKeyId: string;
  coordinator: CoordinatorConfig;
  /** Entries kept under `tagroll/history/<service>`. */
  historyLimit: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
  services: ServiceConfig[];
  /** Absolute path of the config file that was read, when one was. */
  configFile?: string;
  /** Where rollout and approval events are sent (README, "Notifications"); absent: nowhere. */
  notifications?: NotificationsConfig;
  // --- issue 12: registries tagroll calls (digests, signatures, polling, pruning) ---
  registries?: RegistryConfig[];
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Base URL printed in webhook URLs, e.g. `https://tagroll.example.com`. */
  publicUrl: string;
  /** PEM contents (already read from the files named in config). HTTPS when both are set. */
  tls?: { cert: string; key: string };
  /** Largest accepted webhook body, bytes. */
  bodyLimit: number;
}

export interface TlsFiles {
  /** PEM contents, already read. */
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

export interface ConsulConfig extends TlsFiles {
  /** e.g. `http://127.0.0.1:8500` (from CONSUL_HTTP_ADDR; `https://` or CONSUL_HTTP_SSL=true for TLS). */
  address: string;
  token?: string;
  datacenter?: string;
}

export interface NomadConfig extends TlsFiles {
  /** e.g. `http://127.0.0.1:4646` (NOMAD_ADDR). */
  address: string;
  token?: string;
  namespace?: string;
  region?: string;
}

export interface SigningKey {
  kid: string;
  /** Raw secret bytes (at least 32). */
  secret: Uint8Array;
}

export interface CoordinatorConfig {
  /** Run leader election and rollouts in this process (webhooks are served either way). */
  enabled: boolean;
  /** node-cron expression for the reconcile sweep's ticks. */
  reconcileSchedule: string;
  /** Services the sweep looks at per tick; it goes round them all, this many at a time. */
  reconcileBatch: number;
  leaderKey: string;
  /** Consul session TTL, e.g. "15s". */
  sessionTtl: string;
  /** Dedupe records older than this are expired by the reconcile sweep. */
  deliveryTtlMs: number;
}

export type TagOrder = "semver" | "numeric" | "timestamp" | "alphabetical" | "none";

export interface TagPolicy {
  /** Regex the whole tag must match. */
  match?: string;
  order: TagOrder;
  /** semver range (e.g. `^1.2.0`) when `order` is semver. */
  range?: string;
  allowDowngrade: boolean;
  allowLatest: boolean;
}

export interface JobTarget {
  id: string;
  namespace?: string;
  region?: string;
  /** Restrict to these task groups. */
  groups?: string[];
  /** Restart only these tasks (default: tasks whose template renders the key). */
  tasks?: string[];
}

export interface RolloutOverrides {
  maxParallel?: number;
  minHealthyTimeMs?: number;
  healthyDeadlineMs?: number;
}

// --- redeploy strategy (README, "Three ways a job takes its tag") ---
/** The job field a `redeploy` sets: a job meta key or a job variable of the stored submission. */
export interface RedeployField {
  kind: "meta" | "variable";
  name: string;
}

/** `restart`: the job renders the key in a template; `redeploy`: tagroll re-registers the job. */
export type RolloutStrategy = { kind: "restart" } | { kind: "redeploy"; field: RedeployField };
// --- end redeploy strategy ---

export interface ServiceConfig {
  /** `[a-z0-9][a-z0-9_-]*`, at most 63 characters. */
  name: string;
  /** Accepted image repository, e.g. `docker.io/acme/web`, `ghcr.io/acme/web`, `acme/web`. */
  image: string;
  /** KV key holding the desired tag; default `configs/<name>/IMAGE_TAG`. */
  key: string;
  /** Only accept payloads from this source. */
  source?: PushSource;
  /** Per-source secrets: HMAC secret (ghcr, jfrog) or expected auth header value (harbor, distribution). */
  secrets: Partial<Record<PushSource, string>>;
  policy: TagPolicy;
  jobs: JobTarget[];
  rollout: RolloutOverrides & {
    autoRevert: boolean;
    /** Longest wait for a re-rendered template before a restart. */
    renderTimeoutMs: number;
  };
  /** Absent means `restart`. */
  strategy?: RolloutStrategy;
  // --- Approvals, deploy windows and promotion (src/gates/) ---
  /** New values wait for this many distinct approvers; a pending one is dropped after `expireMs`. */
  approvals?: { required: number; expireMs?: number };
  /** New values start only inside one of these windows; outside they wait as `scheduled`. */
  windows?: DeployWindow[];
  /** After a succeeded rollout, propose the value to service `to`, needing at least `approvals` there. */
  promote?: { to: string; when: "succeeded"; approvals: number; remote?: RemotePromotionTarget };
  /** Another tagroll promotes to this service: it gets a gate even without approvals or windows. */
  acceptsPromotions?: boolean;
  // --- issue 12: digest pinning, signatures, polling, pruning (src/config/supply-chain.ts) ---
  supplyChain?: SupplyChainConfig;
}

// --- Notifications (README, "Notifications"; built by build-notifications.ts) ---

export interface NotificationTargetConfig {
  /** Unique across the file; labels the metric and names the target's env variables. */
  name: string;
  kind: "webhook" | "slack";
  /** Where to POST. A Slack incoming-webhook URL is itself a credential. */
  url: string;
  /** HMAC-SHA256 key for `X-Tagroll-Signature` (webhook targets; required there). */
  secret?: string;
  /** Event kinds sent to this target (src/notifications/notification-event.ts). */
  events: NotificationKind[];
  /** Only these services' events; absent for a global target (every service). */
  services?: string[];
}

export interface NotificationsConfig {
  targets: NotificationTargetConfig[];
  /** Tries per notification, the first included. */
  attempts: number;
  /** Per attempt, the whole request. */
  timeoutMs: number;
  /** First wait between attempts; doubles up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Notifications waiting per target; when full, new ones are dropped and counted. */
  queueSize: number;
}
// --- issue 12 ---
export interface RegistryConfig {
  host: string;
  insecure: boolean;
  /** From `passwordEnv` or `passwordFile`; never logged. */
  credentials?: { username: string; password: string };
}

export interface SupplyChainConfig {
  /** KV key the digest is written to, next to the tag; unset only with `digest: false`. */
  digestKey?: string;
  /** cosign public keys (PEM) of which one must have signed the digest; empty = no check. */
  publicKeys: Array<{ file: string; pem: string }>;
  pollEveryMs?: number;
  prune?: { keep: number; keepTags: string[] };
}
// --- end issue 12 ---

// --- Promotion to another Consul/Nomad pair (README, "Promotion to another cluster") ---

/** Where the `promote.to` service lives when another tagroll serves it. */
export interface RemotePromotionTarget {
  /** That pair's Consul (address, token read from `tokenFile`, datacenter). */
  consul: ConsulConfig;
  /** The target's desired-value key in that Consul. */
  key: string;
}
