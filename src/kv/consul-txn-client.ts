import { Pool } from "undici";
import type { ConsulConfig } from "../config/types.js";
import type { KvEntry, KvTxnOp, KvTxnResult } from "./kv-store.js";
import { toConsulError } from "./consul-error.js";
import type { ConsulKvItem } from "./consul-raw.js";

/** Connections kept to the agent for transactions; webhooks beyond that queue in the pool. */
const CONNECTIONS = 16;

interface TxnAnswer {
  Results?: Array<{ KV?: ConsulKvItem }> | null;
  Errors?: Array<{ OpIndex: number; What: string }> | null;
}

/**
 * `PUT /v1/txn` (https://developer.hashicorp.com/consul/api-docs/txn) on undici's Pool instead of
 * the `consul` client: every accepted webhook makes exactly one of these, and the generic client's
 * request pipeline cost more CPU than the rest of the webhook (profile in BENCHMARKS.md, "Ingest").
 * Consul answers 200 when the transaction committed and 409 with the failed ops when it rolled
 * back; everything else maps to the same errors as the other Consul calls (`toConsulError`).
 */
export class ConsulTxnClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: ConsulConfig,
    private readonly where: string,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(where);
    const tls = {
      ...(config.caCert === undefined ? {} : { ca: config.caCert }),
      ...(config.clientCert === undefined ? {} : { cert: config.clientCert }),
      ...(config.clientKey === undefined ? {} : { key: config.clientKey }),
    };
    this.pool = new Pool(url.origin, { connections: CONNECTIONS, connect: tls });
    const dc = config.datacenter ? `?dc=${encodeURIComponent(config.datacenter)}` : "";
    this.path = `${url.pathname.replace(/\/+$/, "")}/v1/txn${dc}`;
    this.headers = {
      "content-type": "application/json",
      ...(config.token ? { "x-consul-token": config.token } : {}),
    };
  }

  async txn(ops: KvTxnOp[]): Promise<KvTxnResult> {
    // Only an error names the ops: building the text for every webhook cost more than it tells.
    const operation = () => `txn ${ops.map((op) => `${op.verb} ${op.key}`).join(", ")}`;
    let status: number;
    let text: string;
    try {
      const reply = await this.pool.request({
        method: "PUT",
        path: this.path,
        headers: this.headers,
        body: JSON.stringify(ops.map(toConsulOp)),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = reply.statusCode;
      text = await reply.body.text();
    } catch (error) {
      const timedOut = /timeout/i.test((error as { code?: string }).code ?? "");
      throw this.error(operation, timedOut ? { isTimeout: true, message: (error as Error).message } : error);
    }
    if (status === 200 || status === 409) {
      const answer = JSON.parse(text) as TxnAnswer;
      if (status === 409) {
        const failed = (answer.Errors ?? []).map((e) => ({ op: e.OpIndex, reason: e.What }));
        return { committed: false, failed };
      }
      const entries = (answer.Results ?? []).flatMap((r) => (r.KV ? [toEntry(r.KV)] : []));
      return { committed: true, entries };
    }
    throw this.error(operation, { isResponse: true, statusCode: status, message: text.trim() });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private error(operation: () => string, error: unknown): Error {
    return toConsulError(error, { where: this.where, operation: operation(), token: this.config.token });
  }
}

function toConsulOp(op: KvTxnOp): { KV: Record<string, unknown> } {
  const value = "value" in op ? { Value: Buffer.from(op.value).toString("base64") } : {};
  const flags = "flags" in op && op.flags !== undefined ? { Flags: op.flags } : {};
  const index = "index" in op ? { Index: op.index } : {};
  const session = "session" in op ? { Session: op.session } : {};
  return { KV: { Verb: op.verb, Key: op.key, ...value, ...flags, ...index, ...session } };
}

function toEntry(item: ConsulKvItem): KvEntry {
  return {
    key: item.Key,
    // Write results come back without their value; the caller knows what it wrote.
    value:
      item.Value === null || item.Value === undefined ? "" : Buffer.from(item.Value, "base64").toString(),
    createIndex: item.CreateIndex,
    modifyIndex: item.ModifyIndex,
    ...(item.Session ? { session: item.Session } : {}),
    ...(item.Flags ? { flags: item.Flags } : {}),
  };
}
