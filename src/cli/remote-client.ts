import type {
  AdminClient,
  ApproveResult,
  DeployOptions,
  DeployResult,
  RejectOptions,
  RejectResult,
  FollowRequest,
  HistoryReport,
  RestartResult,
  RolloutsReport,
  StatusReport,
} from "../api/admin-client.js";
import type { RolloutEvent } from "../coordinator/index.js";

export interface RemoteClientOptions {
  /** Base URL of a running tagroll, e.g. `https://tagroll.example.com`. */
  server: string;
  /** An API token (`tagroll api-token create`). */
  token: string;
  fetch?: typeof fetch;
  /** Bound on every call except the event stream; default 60 s. */
  timeoutMs?: number;
}

/** Remote mode: the same operations through a running tagroll's `/api/v1`, with a bearer token. */
export class RemoteClient implements AdminClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly o: RemoteClientOptions) {
    const url = new URL(o.server);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`--server must be an http:// or https:// URL, got ${url.protocol}`);
    }
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, "")}/api/v1`;
    this.fetch = o.fetch ?? fetch;
  }

  status(service?: string): Promise<StatusReport> {
    return this.call("GET", service === undefined ? "/services" : `/services/${enc(service)}`);
  }

  history(service: string, limit?: number): Promise<HistoryReport> {
    return this.call("GET", `/services/${enc(service)}/history${limit ? `?limit=${limit}` : ""}`);
  }

  rollouts(all = false): Promise<RolloutsReport> {
    return this.call("GET", `/rollouts${all ? "?all=true" : ""}`);
  }

  deploy(service: string, tag: string, options: DeployOptions = {}): Promise<DeployResult> {
    return this.call("POST", `/services/${enc(service)}/deploy`, { tag, ...(options.now && { now: true }) });
  }

  approve(service: string, value?: string): Promise<ApproveResult> {
    return this.call("POST", `/services/${enc(service)}/approve`, value === undefined ? {} : { value });
  }

  reject(service: string, options: RejectOptions = {}): Promise<RejectResult> {
    return this.call("POST", `/services/${enc(service)}/reject`, options);
  }

  rollback(service: string): Promise<DeployResult> {
    return this.call("POST", `/services/${enc(service)}/rollback`);
  }

  restart(service: string): Promise<RestartResult> {
    return this.call("POST", `/services/${enc(service)}/restart`);
  }

  /** Reads the server's NDJSON stream (blank lines are heartbeats) until the rollout ends. */
  async *follow(service: string, request: FollowRequest = {}): AsyncGenerator<RolloutEvent> {
    const query = request.after === undefined ? "" : `?after=${enc(request.after)}`;
    const res = await this.send("GET", `/services/${enc(service)}/events${query}`, undefined, request.signal);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of res.body) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines.filter((l) => l.trim() !== "")) {
        const event = JSON.parse(line) as RolloutEvent | { type: "error"; message: string };
        if (event.type === "error") throw new Error(`the server stopped following: ${event.message}`);
        yield event;
      }
    }
  }

  async close(): Promise<void> {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body, AbortSignal.timeout(this.o.timeoutMs ?? 60_000));
    return (await res.json()) as T;
  }

  private async send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.o.token}`,
          accept: "application/json",
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        ...(signal !== undefined && { signal }),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new Error(`cannot reach tagroll at ${this.base}: ${cause}`, { cause: err });
    }
    if (res.ok) return res;
    throw new Error(await describeFailure(res));
  }
}

async function describeFailure(res: Response): Promise<string> {
  const text = await res.text();
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // Not our JSON (a proxy's error page): show its start as it is.
  }
  if (res.status === 401)
    return `the server refused the API token (${message}); see \`tagroll api-token create\``;
  return `the server answered ${res.status}: ${message}`;
}

function enc(part: string): string {
  return encodeURIComponent(part);
}
