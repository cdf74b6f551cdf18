import { FakeKvStore } from "../../helpers/fake-kv-store.js";

/**
 * The shared FakeKvStore plus one hook: `beforeSet` runs just before each `set` is applied, so a
 * test can slip in a "concurrent" write (with `put`, which bypasses the hook) and make the CAS
 * lose exactly as it would against Consul.
 */
export class InterferingKvStore extends FakeKvStore {
  beforeSet: ((key: string, value: string) => unknown) | undefined;

  override async set(
    key: string,
    value: string,
    options: { cas?: number; flags?: number } = {},
  ): Promise<boolean> {
    await this.beforeSet?.(key, value);
    return super.set(key, value, options);
  }

  /** Another writer's unconditional write; resolves the entry as stored. */
  async put(key: string, value: string) {
    await super.set(key, value);
    const entry = await this.get(key);
    if (!entry) throw new Error(`put ${key} did not store`);
    return entry;
  }

  keys(): string[] {
    return Object.keys(this.dump());
  }
}
