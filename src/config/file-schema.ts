import { z } from "zod";
import { LEADER_KEY } from "../state/kv-layout.js";
import {
  byteSize,
  cronExpression,
  durationMs,
  integer,
  filePath,
  httpUrl,
  kvKey,
  nonEmpty,
  port,
  sessionTtl,
} from "./schema-fields.js";
import { notificationsSchema } from "./notification-schema.js";
import { policySchema, rolloutSchema, serviceSchema } from "./service-schema.js";
import { registrySchema } from "./supply-chain-schema.js";

/**
 * The configuration file (YAML or JSON), after env and flag values are laid over it. Objects are
 * strict so a misspelt field is an error rather than a silently ignored setting.
 * `deploy/tagroll.example.yaml` documents every field; keep the two in step.
 */

const tlsFiles = {
  caCertFile: filePath.optional(),
  clientCertFile: filePath.optional(),
  clientKeyFile: filePath.optional(),
};

const consulSchema = z.strictObject({
  address: nonEmpty.optional(),
  /** CONSUL_HTTP_SSL: use https when the address names no scheme. */
  ssl: z.boolean().optional(),
  datacenter: nonEmpty.optional(),
  token: nonEmpty.optional(),
  tokenFile: filePath.optional(),
  ...tlsFiles,
});

const nomadSchema = z.strictObject({
  address: nonEmpty.optional(),
  namespace: nonEmpty.optional(),
  region: nonEmpty.optional(),
  token: nonEmpty.optional(),
  tokenFile: filePath.optional(),
  ...tlsFiles,
});

const serverSchema = z.strictObject({
  host: nonEmpty.default("0.0.0.0"),
  port: port.default(8080),
  publicUrl: httpUrl.optional(),
  bodyLimit: byteSize.prefault("64KiB"),
  tls: z.strictObject({ certFile: filePath.optional(), keyFile: filePath.optional() }).optional(),
});

const coordinatorSchema = z.strictObject({
  enabled: z.boolean().default(true),
  reconcileSchedule: cronExpression.default("*/10 * * * * *"),
  reconcileBatch: z.int().min(1).max(10_000).default(25),
  leaderKey: kvKey.default(LEADER_KEY),
  sessionTtl: sessionTtl.prefault("15s"),
  deliveryTtl: durationMs.prefault("24h"),
});

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

export const fileSchema = z.strictObject({
  server: serverSchema.prefault({}),
  consul: consulSchema.prefault({}),
  nomad: nomadSchema.prefault({}),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  historyLimit: integer().min(1).max(10_000).default(100),
  /** Plaintext `kid:base64,...`: refused unless `allowPlaintextSecrets`. */
  signingKeys: nonEmpty.optional(),
  keysFile: filePath.optional(),
  activeKey: nonEmpty.optional(),
  allowPlaintextSecrets: z.boolean().default(false),
  coordinator: coordinatorSchema.prefault({}),
  defaults: z
    .strictObject({ policy: policySchema.optional(), rollout: rolloutSchema.optional() })
    .prefault({}),
  services: z.array(serviceSchema).default([]),
  /** Notification targets for every service (README, "Notifications"). */
  notifications: notificationsSchema.prefault({}),
  // issue 12: registry hosts and their credentials
  registries: z.array(registrySchema).default([]),
});

export type FileConfig = z.infer<typeof fileSchema>;
