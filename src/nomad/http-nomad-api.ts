import type { NomadConfig } from "../config/types.js";
import { NotFoundError, UpstreamUnavailableError, ValidationError } from "../core/errors.js";
import type {
  NomadAllocation,
  NomadApi,
  NomadCheckResult,
  NomadJob,
  NomadJobStub,
  NomadScope,
} from "./nomad-api.js";
import { enc, NomadHttp, orUndefined, type NomadHttpOptions, type NomadReply } from "./nomad-http.js";

export interface HttpNomadApiOptions extends NomadHttpOptions {
  /**
   * Bound on a restart call, which blocks until Nomad has killed the task (its kill_timeout,
   * default 5 s, can be set much higher by a job). Default 5 minutes.
   */
  restartTimeoutMs?: number;
}

/**
 * `NomadApi` over Nomad's HTTP API. Answers pass through in Nomad's own shape.
 * Pass a `NomadHttp` to share one connection pool (e.g. with `job-admin.ts`); a config makes a
 * private one, which `close()` then closes.
 */
export class HttpNomadApi implements NomadApi {
  readonly http: NomadHttp;
  private readonly restartTimeoutMs: number;
  private metaHonoured = false;

  constructor(source: NomadConfig | NomadHttp, options: HttpNomadApiOptions = {}) {
    this.http = source instanceof NomadHttp ? source : new NomadHttp(source, options);
    this.restartTimeoutMs = options.restartTimeoutMs ?? 300_000;
  }

  /**
   * `meta=true` puts each job's Meta in the stub, but the field is `omitempty`: a stub without it
   * means either "no meta" or "this agent ignores the flag". Once any stub has come back with Meta
   * the agent has shown it honours the flag; until then the stubs lacking it are read one by one,
   * so the opt-in through `meta { tagroll_service = … }` works on any version.
   */
  async listJobs(scope?: NomadScope): Promise<NomadJobStub[]> {
    const stubs = await this.http.json<NomadJobStub[]>("/v1/jobs", {
      query: { meta: "true" },
      ...withScope(scope),
    });
    if (stubs.some((stub) => stub.Meta)) this.metaHonoured = true;
    if (this.metaHonoured) return stubs.map((stub) => ({ ...stub, Meta: stub.Meta ?? null }));
    return Promise.all(
      stubs.map(async (stub) => {
        const job = await this.getJob(stub.ID, { ...scope, namespace: stub.Namespace });
        return { ...stub, Meta: job?.Meta ?? null };
      }),
    );
  }

  async getJob(jobId: string, scope?: NomadScope): Promise<NomadJob | undefined> {
    return orUndefined(this.http.json<NomadJob>(`/v1/job/${enc(jobId)}`, withScope(scope)));
  }

  async jobAllocations(jobId: string, scope?: NomadScope): Promise<NomadAllocation[]> {
    const allocs = await this.http.json<NomadAllocation[] | null>(
      `/v1/job/${enc(jobId)}/allocations`,
      withScope(scope),
    );
    return allocs ?? [];
  }

  async getAllocation(allocId: string, scope?: NomadScope): Promise<NomadAllocation | undefined> {
    return orUndefined(this.http.json<NomadAllocation>(`/v1/allocation/${enc(allocId)}`, withScope(scope)));
  }

  /**
   * With a task name only that task restarts. Without one the request names no task, which
   * Nomad's client serves as "restart the running tasks" (client.go, `RestartAllocation`): it
   * first runs the allocation's restart hooks — the group service hook deregisters the group's
   * services and waits the group's shutdown_delay — then restarts every running task. A finished
   * prestart task is not run again (that is what `AllTasks` would add). The request returns
   * once the tasks have been killed, so it lasts at least the shutdown_delay.
   * Throws `NotFoundError` when the allocation is gone.
   */
  async restartAllocation(allocId: string, task?: string, scope?: NomadScope): Promise<void> {
    await this.http.text(`/v1/client/allocation/${enc(allocId)}/restart`, {
      method: "POST",
      body: task === undefined ? {} : { TaskName: task },
      timeoutMs: this.restartTimeoutMs,
      ...withScope(scope),
    });
  }

  /**
   * Throws `NotFoundError` when the allocation or the file does not exist (yet).
   * Nomad 1.11 answers fs/cat errors with HTTP 200 and the error text as the body: its
   * untrusted-content writer flushes an implicit 200 before the error handler sets the code.
   * Real content always carries the `X-Content-Type-Options: nosniff` that writer adds on the
   * first write, so a non-empty body without it is an error message, not the file.
   */
  async readAllocFile(allocId: string, path: string, scope?: NomadScope): Promise<string> {
    const what = `${path} in allocation ${allocId}`;
    let reply: NomadReply;
    try {
      reply = await this.http.request(`/v1/client/fs/cat/${enc(allocId)}`, {
        query: { path },
        ...withScope(scope),
      });
    } catch (error) {
      // Agents that do send the code use 400 for a failed stat (e.g. a file not rendered yet).
      if (error instanceof ValidationError && /no such file/i.test(error.message))
        throw new NotFoundError(error.message);
      throw error;
    }
    if (reply.body === "" || reply.headers.get("x-content-type-options") === "nosniff") return reply.body;
    const message = `Nomad at ${this.http.where}: cannot read ${what}: ${reply.body.trim().slice(0, 300)}`;
    if (/no such file|unknown allocation|not found/i.test(reply.body)) throw new NotFoundError(message);
    throw new UpstreamUnavailableError("nomad", message);
  }

  async allocationChecks(allocId: string, scope?: NomadScope): Promise<NomadCheckResult[]> {
    const checks = await this.http.json<Record<string, NomadCheckResult> | null>(
      `/v1/client/allocation/${enc(allocId)}/checks`,
      withScope(scope),
    );
    return Object.values(checks ?? {});
  }

  async version(): Promise<string> {
    const self = await this.http.json<AgentSelf>("/v1/agent/self");
    const version = self.config?.Version?.Version ?? self.member?.Tags?.build?.split("+")[0];
    if (!version)
      throw new UpstreamUnavailableError(
        "nomad",
        `Nomad at ${this.http.where}: no version in /v1/agent/self`,
      );
    return version;
  }

  /** False when the agent is unreachable or the cluster has no leader; never throws for that. */
  async ping(): Promise<boolean> {
    try {
      const leader = await this.http.json<string>("/v1/status/leader");
      return typeof leader === "string" && leader.length > 0;
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

interface AgentSelf {
  config?: { Version?: { Version?: string } };
  member?: { Tags?: { build?: string } };
}

function withScope(scope: NomadScope | undefined): { scope?: NomadScope } {
  return scope === undefined ? {} : { scope };
}
