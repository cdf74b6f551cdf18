import { z } from "zod";
import { durationMs, filePath, integer, nonEmpty, serviceKey } from "./schema-fields.js";

/**
 * The supply-chain fields of a service and the file's `registries` list (README, "Supply chain:
 * digests, signatures, polling, pruning"). Kept apart from service-schema.ts so the feature is one
 * block there.
 */
export const supplyChainFields = {
  /** Pin the digest (the default): `IMAGE_DIGEST` beside the tag key, `{ key }` names the key, `false` opts out. */
  digest: z.union([z.boolean(), z.strictObject({ key: serviceKey.optional() })]).optional(),
  /** PEM public key file(s) whose cosign signature an image must carry; several while keys rotate. */
  verify: z.strictObject({ cosignPublicKey: z.union([filePath, z.array(filePath).min(1)]) }).optional(),
  /** List the repository's tags this often, for registries that send no webhook. */
  poll: z.strictObject({ every: durationMs }).optional(),
  /** After a successful rollout, delete all but the newest `keep` tags (and `keepTags`). */
  prune: z.strictObject({ keep: integer().min(1), keepTags: z.array(nonEmpty).default([]) }).optional(),
};

export const registrySchema = z.strictObject({
  /** Host and port as images name it, e.g. `registry.example.com:5000` or `docker.io`. */
  host: nonEmpty,
  /** Plain HTTP (a lab or loopback registry). */
  insecure: z.boolean().default(false),
  username: nonEmpty.optional(),
  /** File holding the password or token (one line). */
  passwordFile: filePath.optional(),
  /** Name of the environment variable holding the password or token. */
  passwordEnv: nonEmpty.optional(),
});

export type SupplyChainFileFields = {
  [K in keyof typeof supplyChainFields]?: z.infer<(typeof supplyChainFields)[K]>;
};
export type RegistryFileConfig = z.infer<typeof registrySchema>;
