import { describe, expect, it } from "vitest";
import {
  MAX_REGISTER_ATTEMPTS,
  registerValue,
  type JobAccess,
} from "../../../src/coordinator/redeploy/register-value.js";
import { ConflictError } from "../../../src/core/errors.js";
import { createLogger } from "../../../src/core/logger.js";
import type {
  JobJson,
  JobSubmission,
  NomadDeployApi,
  RegisterOptions,
} from "../../../src/nomad/deploy-api.js";
import { JobModifiedError } from "../../../src/nomad/job-modified-error.js";

/** A job store that refuses a register whose enforced index is stale, as Nomad does; records calls. */
class FakeJobs implements Pick<
  NomadDeployApi,
  "readJob" | "registerJob" | "jobVersions" | "jobSubmission" | "parseJob"
> {
  registers: Array<{ meta: Record<string, string> | null | undefined; enforced: number }> = [];
  /** Someone else registers the job this many times, each right before tagroll's register lands. */
  interferences = 0;
  constructor(public job: JobJson) {}
  async readJob() {
    return structuredClone(this.job);
  }
  async registerJob(job: JobJson, options: RegisterOptions) {
    if (this.interferences > 0) {
      this.interferences--;
      this.bump({ ...this.job.Meta, OTHER: `edit-${this.job.Version}` });
    }
    this.registers.push({ meta: job.Meta, enforced: options.enforceIndex });
    if (options.enforceIndex !== this.job.JobModifyIndex)
      throw new JobModifiedError("Enforcing job modify index");
    this.bump(job.Meta ?? {});
    return { evalId: "e", jobModifyIndex: this.job.JobModifyIndex };
  }
  async jobVersions() {
    return [structuredClone(this.job)];
  }
  async jobSubmission(): Promise<JobSubmission | undefined> {
    return undefined;
  }
  async parseJob(): Promise<JobJson> {
    throw new Error("not used for meta");
  }
  private bump(meta: Record<string, string>) {
    this.job = {
      ...this.job,
      Meta: meta,
      Version: this.job.Version + 1,
      JobModifyIndex: this.job.JobModifyIndex + 10,
    };
  }
}

function access(api: FakeJobs): JobAccess {
  return {
    api: api as unknown as NomadDeployApi,
    field: { kind: "meta", name: "VERSION" },
    jobId: "web",
    scope: {},
    logger: createLogger({ level: "silent" }),
  };
}

const start = (): JobJson => ({
  ID: "web",
  Namespace: "default",
  Version: 1,
  JobModifyIndex: 100,
  Meta: { VERSION: "1" },
  TaskGroups: [],
});

describe("registerValue", () => {
  it("registers once, enforced on the index it read, persisting that index first", async () => {
    const api = new FakeJobs(start());
    const persisted: number[] = [];
    const result = await registerValue(access(api), "2", async (i) => void persisted.push(i));
    expect(result).toEqual({ version: 2, registered: true });
    expect(api.registers).toEqual([{ meta: { VERSION: "2" }, enforced: 100 }]);
    expect(persisted).toEqual([100]);
  });

  it("registers nothing when the job already carries the value", async () => {
    const api = new FakeJobs(start());
    expect(await registerValue(access(api), "1", async () => undefined)).toEqual({
      version: 1,
      registered: false,
    });
    expect(api.registers).toEqual([]);
  });

  it("re-reads after a concurrent register and applies the value on top of it", async () => {
    const api = new FakeJobs(start());
    api.interferences = 1;
    await registerValue(access(api), "2", async () => undefined);
    expect(api.registers.map((r) => r.enforced)).toEqual([100, 110]);
    expect(api.job.Meta).toEqual({ VERSION: "2", OTHER: "edit-1" });
  });

  it("gives up after a bounded number of conflicts, saying nothing was overwritten", async () => {
    const api = new FakeJobs(start());
    api.interferences = MAX_REGISTER_ATTEMPTS;
    const attempt = registerValue(access(api), "2", async () => undefined);
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(
      /changed by someone else 5 times.*nothing of theirs was overwritten/,
    );
    expect(api.registers).toHaveLength(MAX_REGISTER_ATTEMPTS);
    expect(api.job.Meta?.["VERSION"]).toBe("1");
  });
});
