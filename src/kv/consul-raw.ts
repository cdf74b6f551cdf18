import type { IncomingMessage } from "node:http";

/**
 * The slice of the `consul` npm client (2.0.1) that tagroll calls, typed as the library really
 * behaves (its bundled .d.ts lacks `ctx`, `timeout`, `index`, and `filter` on most calls).
 * Options are lower-cased by the library; `ctx` with `includeResponse` makes a call resolve
 * `[response, body?]` instead of `body`.
 * A JSON `false` answer (a lost CAS) resolves `undefined`, not `false`: papi's pipeline treats a
 * falsy result as "no value". Compare boolean answers with `=== true`.
 */
export interface ConsulCallOptions {
  ctx?: NodeJS.EventEmitter & { includeResponse?: boolean };
  /** Milliseconds for the whole request. */
  timeout?: number;
  index?: string;
  /** Consul duration, e.g. "30000ms". */
  wait?: string;
  filter?: string;
}

export interface ConsulKvItem {
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Key: string;
  Flags: number;
  Value: string | null;
  Session?: string;
}

export interface ConsulHealthCheck {
  CheckID: string;
  Status: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
}

export interface ConsulServiceEntry {
  Node: { Address: string };
  Service: { ID: string; Address: string; Port: number };
}

export type WithResponse<T> = [IncomingMessage, T?];

export interface ConsulRaw {
  kv: {
    get(options: ConsulCallOptions & { key: string; recurse?: boolean }): Promise<unknown>;
    set(
      options: ConsulCallOptions & {
        key: string;
        value: string;
        cas?: number;
        flags?: number;
        acquire?: string;
        release?: string;
      },
    ): Promise<boolean | undefined>;
    del(
      options: ConsulCallOptions & { key: string; cas?: number; recurse?: boolean },
    ): Promise<boolean | undefined>;
  };
  session: {
    create(
      options: ConsulCallOptions & { name: string; ttl: string; behavior: string; lockdelay?: string },
    ): Promise<{ ID: string }>;
    renew(options: ConsulCallOptions & { id: string }): Promise<unknown>;
    destroy(options: ConsulCallOptions & { id: string }): Promise<unknown>;
  };
  health: {
    state(options: ConsulCallOptions & { state: "any" }): Promise<ConsulHealthCheck[]>;
    service(
      options: ConsulCallOptions & { service: string; passing?: boolean },
    ): Promise<ConsulServiceEntry[]>;
  };
  agent: {
    service: {
      maintenance(
        options: ConsulCallOptions & { id: string; enable: boolean; reason?: string },
      ): Promise<unknown>;
    };
  };
  status: {
    leader(options?: ConsulCallOptions): Promise<string>;
  };
}
