import type { IncomingMessage } from "node:http";
import Consul from "consul";
import type { ConsulConfig } from "../config/types.js";
import type { KvEntry, KvListResult, KvStore, KvTxnOp, KvTxnResult, SessionOptions } from "./kv-store.js";
import { ConsulConnection, ResponseContext, type ConsulConnectionOptions } from "./consul-connection.js";
import type { ConsulKvItem, ConsulRaw, WithResponse } from "./consul-raw.js";

export { ConsulServiceHealth } from "./consul-service-health.js";

/**
 * `KvStore` over a real Consul agent, through the `consul` npm client.
 * Pass a `ConsulConnection` to share one client (and its keep-alive sockets) with
 * `ConsulServiceHealth`; a config makes a private one, which `close()` then destroys.
 */
export class ConsulKvStore implements KvStore {
  private readonly conn: ConsulConnection;

  constructor(source: ConsulConfig | ConsulConnection, options: ConsulConnectionOptions = {}) {
    this.conn = source instanceof ConsulConnection ? source : new ConsulConnection(source, options);
  }

  async get(key: string): Promise<KvEntry | undefined> {
    const item = (await this.conn.call(`kv.get ${key}`, (c) => c.kv.get({ key }))) as
      ConsulKvItem | undefined;
    return item ? toEntry(item) : undefined;
  }

  async list(prefix: string): Promise<KvListResult> {
    const ctx = new ResponseContext();
    const reply = await this.conn.call(`kv.list ${prefix}`, (c) =>
      c.kv.get({ key: prefix, recurse: true, ctx }),
    );
    return toListResult(reply as WithResponse<ConsulKvItem[]>);
  }

  /**
   * Consul's blocking query. An `index` below 1 makes a plain read (Consul's rule: never block on
   * 0). The returned index is never below 1, per Consul's "sanity check index" guidance; the
   * caller resets to 0 when it goes backwards. Consul adds up to wait/16 of jitter, so the socket
   * timeout is the wait plus that plus the normal request bound.
   */
  async watchList(
    prefix: string,
    index: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<KvListResult> {
    signal?.throwIfAborted();
    const ctx = new ResponseContext();
    const cancel = () => ctx.emit("cancel");
    signal?.addEventListener("abort", cancel, { once: true });
    const blocking = this.conn.blocking(index, waitMs);
    try {
      const reply = await this.conn.call(
        `kv.watch ${prefix}`,
        (c) => c.kv.get({ key: prefix, recurse: true, ctx, ...blocking }),
        signal,
      );
      return toListResult(reply as WithResponse<ConsulKvItem[]>);
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
  }

  async set(key: string, value: string, options: { cas?: number; flags?: number } = {}): Promise<boolean> {
    const cas = options.cas === undefined ? {} : { cas: options.cas };
    const flags = options.flags === undefined ? {} : { flags: options.flags };
    return (
      (await this.conn.call(`kv.set ${key}`, (c) => c.kv.set({ key, value, ...cas, ...flags }))) === true
    );
  }

  async delete(key: string, options: { cas?: number; recurse?: boolean } = {}): Promise<boolean> {
    const cas = options.cas === undefined ? {} : { cas: options.cas };
    const recurse = options.recurse ? { recurse: true } : {};
    return (await this.conn.call(`kv.delete ${key}`, (c) => c.kv.del({ key, ...cas, ...recurse }))) === true;
  }

  /** One `/v1/txn` round trip (src/kv/consul-txn-client.ts). */
  async txn(ops: KvTxnOp[]): Promise<KvTxnResult> {
    return this.conn.txn().txn(ops);
  }

  async createSession(options: SessionOptions): Promise<string> {
    const lockDelay = options.lockDelay === undefined ? {} : { lockdelay: options.lockDelay };
    const reply = await this.conn.call("session.create", (c) =>
      c.session.create({ name: options.name, ttl: options.ttl, behavior: options.behavior, ...lockDelay }),
    );
    return reply.ID;
  }

  async renewSession(id: string): Promise<boolean> {
    try {
      await this.conn.raw("session.renew", (c) => c.session.renew({ id }));
      return true;
    } catch (error) {
      // Consul answers 404 for a session it no longer knows (expired, destroyed, reaped).
      if (statusOf(error) === 404) return false;
      throw this.conn.toError("session.renew", error);
    }
  }

  async destroySession(id: string): Promise<void> {
    await this.conn.call("session.destroy", (c) => c.session.destroy({ id }));
  }

  async acquire(key: string, value: string, session: string): Promise<boolean> {
    try {
      return (
        (await this.conn.raw(`kv.acquire ${key}`, (c) => c.kv.set({ key, value, acquire: session }))) === true
      );
    } catch (error) {
      // Acquiring with a session that has expired is a 500 "invalid session" from Consul, but it
      // means "not yours": the caller creates a new session, exactly as for a lost race.
      if (isInvalidSession(error)) return false;
      throw this.conn.toError(`kv.acquire ${key}`, error);
    }
  }

  /**
   * A release PUT also writes its body as the value, so we write back what the key holds to
   * leave the value alone (the Go client's Unlock does the same with its own value).
   */
  async release(key: string, session: string): Promise<boolean> {
    const current = await this.get(key);
    if (current === undefined || current.session !== session) return false;
    try {
      const release = (c: ConsulRaw) => c.kv.set({ key, value: current.value, release: session });
      return (await this.conn.raw(`kv.release ${key}`, release)) === true;
    } catch (error) {
      if (isInvalidSession(error)) return false;
      throw this.conn.toError(`kv.release ${key}`, error);
    }
  }

  close(): void {
    this.conn.close();
  }
}

function toEntry(item: ConsulKvItem): KvEntry {
  const entry: KvEntry = {
    key: item.Key,
    value: item.Value ?? "",
    createIndex: item.CreateIndex,
    modifyIndex: item.ModifyIndex,
  };
  if (item.Session) entry.session = item.Session;
  if (item.Flags) entry.flags = item.Flags;
  return entry;
}

function toListResult([response, items]: WithResponse<ConsulKvItem[]>): KvListResult {
  const meta = (Consul as unknown as ConsulStatics).parseQueryMeta(response);
  const index = Number(meta.LastIndex ?? 0);
  return {
    entries: (items ?? []).map(toEntry),
    index: Number.isFinite(index) && index >= 1 ? index : 1,
  };
}

/** Present in consul/lib/consul.js, missing from its typings. */
interface ConsulStatics {
  parseQueryMeta(response: IncomingMessage): { LastIndex?: string };
}

function statusOf(error: unknown): number | undefined {
  return (error as { isResponse?: boolean; statusCode?: number } | undefined)?.isResponse
    ? (error as { statusCode: number }).statusCode
    : undefined;
}

function isInvalidSession(error: unknown): boolean {
  return statusOf(error) === 500 && /invalid session/i.test(String((error as Error).message));
}
