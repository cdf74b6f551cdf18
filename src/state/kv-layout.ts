import { createHash } from "node:crypto";
import { ValidationError } from "../core/errors.js";
import { isJti } from "../tokens/jti.js";

/**
 * tagroll's own keys in Consul KV — the one module that builds and parses them (README, "Where
 * state lives"). Everything lives under one root, `tagroll/` unless a store is given another:
 *
 *   tagroll/leader                 the coordinator's lock (config `coordinator.leaderKey`)
 *   tagroll/rollouts/<service>     the current or last rollout record
 *   tagroll/history/<service>/<id> the capped history of changes and rollouts, one key per entry
 *   tagroll/history/<service>      the same history as one JSON array (before 0.2; read, then retired)
 *   tagroll/requests/<service>     a restart request waiting for the leader
 *   tagroll/tokens/<jti>           issued webhook tokens (service, kid, iat; never the token)
 *   tagroll/revoked/<jti>          revoked token ids
 *   tagroll/deliveries/<service>/<sha256>   webhook delivery dedupe records, per service
 *   tagroll/gates/<service>        a value waiting for approval or a deploy window (src/gates/)
 *   tagroll/revoked/, tagroll/requests/, tagroll/gates/   empty folder markers (folder-markers.ts)
 */
export const STATE_ROOT = "tagroll";

/** The default `coordinator.leaderKey`. */
export const LEADER_KEY = `${STATE_ROOT}/leader`;

/** The folders under the root, one per kind of record. */
export type StateFolder =
  | "rollouts"
  | "history"
  | "requests"
  | "tokens"
  | "revoked"
  | "deliveries"
  // Approvals, deploy windows and promotion (README, "Approvals, deploy windows and promotion").
  | "gates";

/** The service-name grammar of the config (`ServiceConfig.name`); it becomes a key segment. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Prefix listing every record of one kind, e.g. `tagroll/rollouts/`. */
export function folderPrefix(folder: StateFolder, root = STATE_ROOT): string {
  return `${root}/${folder}/`;
}

/** True for a key under `root` — where a service's desired-state key must never be. */
export function isStateKey(key: string, root = STATE_ROOT): boolean {
  return key.startsWith(`${root}/`);
}

/** `tagroll/rollouts/<service>`: the coordinator's record of the service's current or last rollout. */
export function rolloutKey(service: string): string {
  return `${folderPrefix("rollouts")}${service}`;
}

/**
 * A service name as a key segment. It is checked so a crafted name can never address another
 * service's record (`web/../db`) or the folder itself.
 */
function serviceSegment(service: string): string {
  if (!SERVICE_NAME.test(service))
    throw new ValidationError(`invalid service name ${JSON.stringify(service)}`);
  return service;
}

/** `<root>/history/<service>`: the one-array history tagroll wrote before entries had keys of their own. */
export function historyKey(service: string, root = STATE_ROOT): string {
  return `${folderPrefix("history", root)}${serviceSegment(service)}`;
}

/** Entry ids that may stand in a key as they are; anything else is hashed. */
const PLAIN_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * `<root>/history/<service>/<id>`: one history entry. A key per entry lets a webhook add its entry
 * in the same Consul transaction as the value it wrote, without reading the history first.
 */
export function historyEntryKey(service: string, id: string, root = STATE_ROOT): string {
  const segment = PLAIN_ID.test(id) ? id : createHash("sha256").update(id).digest("hex");
  return `${historyKey(service, root)}/${segment}`;
}

/** `tagroll/requests/<service>`: a rolling restart asked for by the CLI or the API. */
export function requestKey(service: string): string {
  return `${folderPrefix("requests")}${service}`;
}

/** The service a request key is for, or undefined for a key that is not one. */
export function requestService(key: string): string | undefined {
  const prefix = folderPrefix("requests");
  if (!key.startsWith(prefix)) return undefined;
  const service = key.slice(prefix.length);
  return service && !service.includes("/") ? service : undefined;
}

/**
 * `tagroll/tokens/<jti>` or `tagroll/revoked/<jti>`. The jti becomes part of a KV key, so only
 * ids tagroll could have issued pass.
 */
export function tokenKey(folder: "tokens" | "revoked", jti: string): string {
  if (!isJti(jti)) throw new ValidationError("not a token id (expected 22 base64url characters)");
  return `${folderPrefix(folder)}${jti}`;
}

/** The jti of a key listed under `tagroll/tokens/` or `tagroll/revoked/`. */
export function tokenOfKey(folder: "tokens" | "revoked", key: string): string {
  return key.slice(folderPrefix(folder).length);
}

/**
 * `<root>/deliveries/<service>/<sha256(source, id)>`. Per service: a registry that notifies the
 * webhook URLs of two services taking the same image sends both the same event id, and each must
 * deploy it once. Hashing keeps arbitrary sender ids (slashes, spaces, great length) out of key
 * paths.
 */
export function deliveryKey(service: string, source: string, deliveryId: string, root = STATE_ROOT): string {
  // NUL cannot occur in either part, so ("ab","c") and ("a","bc") never collide.
  const digest = createHash("sha256").update(`${source}\u0000${deliveryId}`).digest("hex");
  return `${folderPrefix("deliveries", root)}${serviceSegment(service)}/${digest}`;
}

// --- Approvals, deploy windows and promotion (src/gates/) ---

/** `tagroll/gates/<service>`: the value the service's gate holds, its approvals, promotions. */
export function gateKey(service: string): string {
  return `${folderPrefix("gates")}${serviceSegment(service)}`;
}

/** The service a gate key is for, or undefined for a key that is not one. */
export function gateService(key: string): string | undefined {
  const prefix = folderPrefix("gates");
  if (!key.startsWith(prefix)) return undefined;
  const service = key.slice(prefix.length);
  return SERVICE_NAME.test(service) ? service : undefined;
}
