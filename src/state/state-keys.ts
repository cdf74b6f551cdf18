import { ValidationError } from "../core/errors.js";

/** Where tagroll keeps its own records in Consul KV (design: "tagroll's own state lives under tagroll/"). */
export const DEFAULT_STATE_ROOT = "tagroll";

/** The service-name grammar of the config (`ServiceConfig.name`); it becomes a key segment. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Key of one record under `<root>/<kind>/`. The name is checked so a crafted name can never
 * address another service's record (`web/../db`) or the folder itself.
 */
export function serviceKey(
  root: string,
  kind: "history" | "rollouts" | "deliveries",
  service: string,
): string {
  if (!SERVICE_NAME.test(service))
    throw new ValidationError(`invalid service name ${JSON.stringify(service)}`);
  return `${root}/${kind}/${service}`;
}

/** Prefix listing every record of one kind, e.g. `tagroll/rollouts/`. */
export function kindPrefix(root: string, kind: "history" | "rollouts" | "deliveries"): string {
  return `${root}/${kind}/`;
}
