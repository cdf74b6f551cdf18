import { z } from "zod";
import type { PushSource } from "../core/push-event.js";
import { parseWindow } from "../gates/deploy-window.js";
import { notificationTargetSchema } from "./notification-schema.js";
import {
  durationMs,
  integer,
  filePath,
  httpUrl,
  imageRepository,
  nonEmpty,
  regexSource,
  semverRange,
  serviceKey,
  serviceName,
} from "./schema-fields.js";
import { supplyChainFields } from "./supply-chain-schema.js";

export const PUSH_SOURCES = [
  "dockerhub",
  "distribution",
  "ghcr",
  "harbor",
  "quay",
  "acr",
  "jfrog",
  "generic",
] as const satisfies readonly PushSource[];

export const TAG_ORDERS = ["semver", "numeric", "timestamp", "alphabetical", "none"] as const;

/**
 * Policy and rollout fields are all optional here: a service's values are laid over the file's
 * `defaults` block before the built-in defaults apply (see `build-services.ts`).
 */
export const policySchema = z.strictObject({
  match: regexSource.optional(),
  order: z.enum(TAG_ORDERS).optional(),
  range: semverRange.optional(),
  allowDowngrade: z.boolean().optional(),
  allowLatest: z.boolean().optional(),
});

export const rolloutSchema = z.strictObject({
  maxParallel: integer().min(1).optional(),
  minHealthyTime: durationMs.optional(),
  healthyDeadline: durationMs.optional(),
  autoRevert: z.boolean().optional(),
  renderTimeout: durationMs.optional(),
});

const jobObject = z.strictObject({
  id: nonEmpty,
  namespace: nonEmpty.optional(),
  region: nonEmpty.optional(),
  groups: z.array(nonEmpty).min(1).optional(),
  tasks: z.array(nonEmpty).min(1).optional(),
});

/** A job is listed either by id alone (`- web`) or as an object. */
const job = z.preprocess((value) => (typeof value === "string" ? { id: value } : value), jobObject);

// --- redeploy strategy (README, "Three ways a job takes its tag") ---
/** `meta.<KEY>` or `variable.<name>`: the job field a redeploy sets to the desired value. */
export const REDEPLOY_FIELD = /^(meta|variable)\.([A-Za-z_][A-Za-z0-9_-]*)$/;

export const strategySchema = z.union([
  z.literal("restart"),
  z.strictObject({
    redeploy: z
      .string()
      .regex(REDEPLOY_FIELD, 'must be "meta.<KEY>" (job meta) or "variable.<name>" (job variable)'),
  }),
]);
// --- end redeploy strategy ---

const sourceMap = <T extends z.ZodType>(value: T) => z.partialRecord(z.enum(PUSH_SOURCES), value);

// --- Approvals, deploy windows and promotion (README, "Approvals, deploy windows and promotion") ---

export const approvalsSchema = z.strictObject({
  required: integer().min(1).max(20).default(1),
  expire: durationMs.optional(),
});

/** `"Mon-Fri 09:00-17:00 Europe/Berlin"`, parsed by src/gates/deploy-window.ts. */
export const deployWindow = z.string().transform((text, ctx) => {
  try {
    return parseWindow(text);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});

export const promoteSchema = z.strictObject({
  to: serviceName,
  when: z.literal("succeeded").default("succeeded"),
  approvals: integer().min(0).max(20).default(0),
  // Promotion to a service on another Consul/Nomad pair (README, "Promotion to another cluster"):
  // that pair's Consul, and the target's key there (default configs/<to>/IMAGE_TAG).
  consul: z
    .strictObject({
      address: httpUrl,
      /** A file holding the ACL token for that Consul (never inline, never logged). */
      tokenFile: filePath.optional(),
      datacenter: nonEmpty.optional(),
    })
    .optional(),
  key: serviceKey.optional(),
});

// --- end of approvals, deploy windows and promotion ---

export const serviceSchema = z.strictObject({
  name: serviceName,
  image: imageRepository,
  key: serviceKey.optional(),
  source: z.enum(PUSH_SOURCES).optional(),
  /** Plaintext per-source secrets: refused unless `allowPlaintextSecrets` is set. */
  secrets: sourceMap(nonEmpty).optional(),
  /** Files holding per-source secrets, one secret per file. */
  secretFiles: sourceMap(filePath).optional(),
  policy: policySchema.optional(),
  jobs: z.array(job).default([]),
  rollout: rolloutSchema.optional(),
  /** How the value reaches the job: `restart` (template, default) or `{ redeploy: meta.X | variable.x }`. */
  strategy: strategySchema.optional(),
  approvals: approvalsSchema.optional(),
  windows: z.array(deployWindow).min(1).optional(),
  promote: promoteSchema.optional(),
  /** Another tagroll promotes to this service (README, "Promotion to another cluster"): always gated. */
  acceptsPromotions: z.boolean().optional(),
  /** Notification targets for this service only (README, "Notifications"). */
  notifications: z.array(notificationTargetSchema).optional(),
  // issue 12: digest, verify, poll, prune
  ...supplyChainFields,
});

export type ServiceFileConfig = z.infer<typeof serviceSchema>;
export type PolicyFileConfig = z.infer<typeof policySchema>;
export type RolloutFileConfig = z.infer<typeof rolloutSchema>;
