import type { KvStore } from "../kv/kv-store.js";
import { DEFAULT_STATE_ROOT, kindPrefix, serviceKey } from "./state-keys.js";

export interface StoredRollout<T> {
  record: T;
  /** Pass back to `put` as `cas` to write only if nobody changed the record since. */
  modifyIndex: number;
}

export interface RolloutStoreOptions<T> {
  root?: string;
  /**
   * Validates a parsed record (e.g. a zod schema's `parse`) and throws when it is not one; the
   * default trusts the stored JSON. The record type itself belongs to the coordinator.
   */
  parse?: (raw: unknown) => T;
}

/**
 * The current or last rollout of each service at `tagroll/rollouts/<service>`, as JSON. Progress
 * is persisted here after every step so a new leader resumes where the last one stopped; the CAS
 * on `put` is how a leader that lost its lock finds out before overwriting its successor's work.
 */
export class RolloutStore<T> {
  private readonly root: string;
  private readonly parse: (raw: unknown) => T;

  constructor(
    private readonly kv: KvStore,
    options: RolloutStoreOptions<T> = {},
  ) {
    this.root = options.root ?? DEFAULT_STATE_ROOT;
    this.parse = options.parse ?? ((raw) => raw as T);
  }

  async get(service: string): Promise<StoredRollout<T> | undefined> {
    const key = serviceKey(this.root, "rollouts", service);
    const entry = await this.kv.get(key);
    return entry && { record: this.decode(key, entry.value), modifyIndex: entry.modifyIndex };
  }

  /**
   * Writes the record. With `cas` only if the stored ModifyIndex still equals it (`0` = only if
   * there is none); resolves false when that check failed and nothing was written.
   */
  async put(service: string, record: T, cas?: number): Promise<boolean> {
    const key = serviceKey(this.root, "rollouts", service);
    return this.kv.set(key, JSON.stringify(record), cas === undefined ? {} : { cas });
  }

  async delete(service: string, cas?: number): Promise<boolean> {
    const key = serviceKey(this.root, "rollouts", service);
    return this.kv.delete(key, cas === undefined ? {} : { cas });
  }

  /** Every stored rollout by service name (one recursive read, for status pages and resume). */
  async list(): Promise<Map<string, StoredRollout<T>>> {
    const prefix = kindPrefix(this.root, "rollouts");
    const { entries } = await this.kv.list(prefix);
    const result = new Map<string, StoredRollout<T>>();
    for (const entry of entries) {
      const service = entry.key.slice(prefix.length);
      if (service === "" || service.includes("/")) continue;
      result.set(service, { record: this.decode(entry.key, entry.value), modifyIndex: entry.modifyIndex });
    }
    return result;
  }

  /** A broken record is reported, not skipped: resuming a rollout from a guess is worse. */
  private decode(key: string, value: string): T {
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch (error) {
      throw new Error(`${key} does not hold JSON: ${(error as Error).message}`, { cause: error });
    }
    try {
      return this.parse(raw);
    } catch (error) {
      throw new Error(`${key} does not hold a valid rollout record: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
