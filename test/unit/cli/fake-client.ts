import type {
  AdminClient,
  ApproveResult,
  RejectOptions,
  RejectResult,
  DeployResult,
  FollowRequest,
  HistoryReport,
  RestartResult,
  RolloutsReport,
  StatusReport,
} from "../../../src/api/admin-client.js";
import type { RolloutEvent } from "../../../src/coordinator/index.js";
import type { Output } from "../../../src/cli/output.js";

/** An AdminClient that replays scripted answers and records what it was asked. */
export class ScriptedClient implements AdminClient {
  readonly calls: string[] = [];
  deployResult: DeployResult = {
    service: "web",
    key: "configs/web/IMAGE_TAG",
    value: "v2",
    previous: "v1",
    changed: true,
    rolloutBefore: "r0",
  };
  events: RolloutEvent[] = [];
  /** When set, follow() hangs after the scripted events until aborted. */
  hang = false;

  async status(): Promise<StatusReport> {
    return { services: [] };
  }
  async history(service: string): Promise<HistoryReport> {
    return { service, entries: [] };
  }
  async rollouts(): Promise<RolloutsReport> {
    return { rollouts: [] };
  }
  async deploy(service: string, tag: string): Promise<DeployResult> {
    this.calls.push(`deploy ${service} ${tag}`);
    return this.deployResult;
  }
  async rollback(service: string): Promise<DeployResult> {
    this.calls.push(`rollback ${service}`);
    return this.deployResult;
  }
  async restart(service: string): Promise<RestartResult> {
    this.calls.push(`restart ${service}`);
    return { service, requestId: "req-1", rolloutBefore: "r0" };
  }
  async approve(service: string, value?: string): Promise<ApproveResult> {
    this.calls.push(`approve ${service} ${value ?? "-"}`);
    return { service, value: value ?? "v2", approvals: [], required: 1, approved: false };
  }
  async reject(service: string, options: RejectOptions = {}): Promise<RejectResult> {
    this.calls.push(`reject ${service} ${options.value ?? "-"}`);
    return { service, value: options.value ?? "v2", rejectedBy: "cli" };
  }
  async *follow(service: string, request: FollowRequest = {}): AsyncGenerator<RolloutEvent> {
    this.calls.push(`follow ${service} after=${request.after ?? "-"}`);
    for (const event of this.events) yield event;
    if (this.hang) {
      await new Promise<void>((resolve) => request.signal?.addEventListener("abort", () => resolve()));
    }
  }
  async close(): Promise<void> {}
}

export function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
}

const base = { service: "web", rolloutId: "r1", at: 0 };

export function rolloutEvents(status: "succeeded" | "reverted" | "failed"): RolloutEvent[] {
  return [
    { ...base, type: "rollout-started", kind: "deploy", value: "v2", previousValue: "v1", resumed: false },
    {
      ...base,
      type: "alloc-step",
      allocId: "1111aaaa-0000",
      allocName: "web.app[0]",
      jobId: "web",
      group: "app",
      step: "restarting",
      value: "v2",
    },
    {
      ...base,
      type: "alloc-step",
      allocId: "1111aaaa-0000",
      allocName: "web.app[0]",
      jobId: "web",
      group: "app",
      step: "healthy",
      value: "v2",
    },
    {
      ...base,
      type: "rollout-finished",
      status,
      value: status === "succeeded" ? "v2" : "v1",
      durationMs: 12_300,
    },
  ];
}
