import { z } from "zod";
import type { PushSource } from "../core/push-event.js";
import {
  durationMs,
  integer,
  filePath,
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

const sourceMap = <T extends z.ZodType>(value: T) => z.partialRecord(z.enum(PUSH_SOURCES), value);

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
  // issue 12: digest, verify, poll, prune
  ...supplyChainFields,
});

export type ServiceFileConfig = z.infer<typeof serviceSchema>;
export type PolicyFileConfig = z.infer<typeof policySchema>;
export type RolloutFileConfig = z.infer<typeof rolloutSchema>;
