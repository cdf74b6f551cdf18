import type { KvEntry, KvListResult, KvStore, SessionOptions } from "../../src/kv/kv-store.js";

/**
 * A small in-memory KvStore with Consul's CAS and index semantics, for the state-store unit tests.
 * `beforeSet` runs just before each write is applied, so a test can slip in a "concurrent" write
 * and make the CAS lose exactly as it would against Consul. Calls are recorded in `calls`.
 */
export class BasicFakeKvStore implements KvStore {
  readonly calls: string[] = [];
  beforeSet: ((key: string, value: string) => void | Promise<void>) | undefined;
  private readonly data = new Map<string, KvEntry>();
  private index = 10;
  private sessions = 0;

  /** Writes directly, bypassing hooks (a test's "someone else wrote"). */
  put(key: string, value: string): KvEntry {
    const previous = this.data.get(key);
    this.index++;
    const entry: KvEntry = {
      key,
      value,
      createIndex: previous?.createIndex ?? this.index,
      modifyIndex: this.index,
    };
    this.data.set(key, entry);
    return entry;
  }

  keys(): string[] {
    return [...this.data.keys()].sort();
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.calls.push(`get ${key}`);
    const entry = this.data.get(key);
    return entry && { ...entry };
  }

  async list(prefix: string): Promise<KvListResult> {
    this.calls.push(`list ${prefix}`);
    const entries = [...this.data.values()].filter((e) => e.key.startsWith(prefix)).map((e) => ({ ...e }));
    entries.sort((a, b) => a.key.localeCompare(b.key));
    return { entries, index: this.index };
  }

  async watchList(prefix: string): Promise<KvListResult> {
    return this.list(prefix);
  }

  async set(key: string, value: string, options: { cas?: number } = {}): Promise<boolean> {
    this.calls.push(`set ${key}${options.cas === undefined ? "" : ` cas=${options.cas}`}`);
    await this.beforeSet?.(key, value);
    const current = this.data.get(key);
    if (options.cas !== undefined && (current?.modifyIndex ?? 0) !== options.cas) return false;
    this.put(key, value);
    return true;
  }

  async delete(key: string, options: { cas?: number; recurse?: boolean } = {}): Promise<boolean> {
    this.calls.push(`delete ${key}${options.cas === undefined ? "" : ` cas=${options.cas}`}`);
    const current = this.data.get(key);
    if (options.cas !== undefined && current?.modifyIndex !== options.cas) return false;
    if (options.recurse) {
      for (const k of [...this.data.keys()]) if (k.startsWith(key)) this.data.delete(k);
    } else {
      this.data.delete(key);
    }
    this.index++;
    return true;
  }

  async createSession(_options: SessionOptions): Promise<string> {
    return `session-${++this.sessions}`;
  }

  async renewSession(): Promise<boolean> {
    return true;
  }

  async destroySession(): Promise<void> {}

  async acquire(key: string, value: string, session: string): Promise<boolean> {
    const current = this.data.get(key);
    if (current?.session && current.session !== session) return false;
    this.data.set(key, { ...this.put(key, value), session });
    return true;
  }

  async release(key: string, session: string): Promise<boolean> {
    const current = this.data.get(key);
    if (current?.session !== session) return false;
    const released: KvEntry = { ...current };
    delete released.session;
    this.data.set(key, released);
    return true;
  }
}
