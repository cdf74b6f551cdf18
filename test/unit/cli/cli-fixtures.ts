import type { HistoryReport, StatusReport } from "../../../src/api/admin-client.js";
import type { CheckReport } from "../../../src/check/run-check.js";
import type { AllocationStatus } from "../../../src/operations/index.js";
import type { RolloutRecord } from "../../../src/coordinator/index.js";

/** Deterministic inputs for the golden files in test/fixtures/cli/. */

const T0 = Date.UTC(2026, 0, 3, 8, 29, 0);

function alloc(n: number, rendered: string | undefined, step?: AllocationStatus["step"]): AllocationStatus {
  const a: AllocationStatus = {
    allocId: `${n}${n}${n}${n}aaaa-0000-4000-8000-00000000000${n}`,
    name: `web.app[${n}]`,
    jobId: "web",
    group: "app",
    node: `node${n}abcdef-1111`,
    clientStatus: "running",
  };
  if (rendered !== undefined) a.rendered = rendered;
  if (step !== undefined) a.step = step;
  return a;
}

function record(
  partial: Partial<RolloutRecord> & Pick<RolloutRecord, "service" | "status" | "value">,
): RolloutRecord {
  return {
    version: 1,
    id: `r-${partial.service}`,
    key: `configs/${partial.service}/IMAGE_TAG`,
    kind: "deploy",
    superseded: [],
    allocs: [],
    startedAt: T0,
    updatedAt: T0 + 42_000,
    ...partial,
  };
}

const progress = (state: "healthy" | "restarting" | "pending") => ({
  allocId: "x",
  name: "n",
  jobId: "api",
  namespace: "default",
  group: "app",
  state,
  updatedAt: T0,
});

export const statusAll: StatusReport = {
  leader: { instance: "tagroll-7f9c", since: new Date(T0 - 3_600_000).toISOString() },
  services: [
    {
      service: "web",
      key: "configs/web/IMAGE_TAG",
      desired: "v2",
      rollout: record({
        service: "web",
        status: "succeeded",
        value: "v2",
        previousValue: "v1",
        finishedAt: T0 + 42_000,
      }),
      allocations: [
        alloc(1, "v2", "healthy"),
        alloc(2, "v2", "healthy"),
        {
          ...alloc(3, "v2", "healthy"),
          undrained:
            "the group has no shutdown_delay: Nomad deregisters its services and kills the tasks at the same moment",
        },
      ],
    },
    {
      service: "api",
      key: "configs/api/IMAGE_TAG",
      desired: "1.4.0",
      rollout: record({
        service: "api",
        status: "running",
        value: "1.4.0",
        previousValue: "1.3.9",
        allocs: [progress("healthy"), progress("restarting"), progress("pending")],
      }),
      allocations: [
        alloc(4, "1.4.0", "healthy"),
        alloc(5, "1.3.9", "restarting"),
        alloc(6, "1.3.9", "pending"),
      ],
    },
    {
      service: "jobs",
      key: "configs/jobs/IMAGE_TAG",
      desired: "release-20260102",
      rollout: record({
        service: "jobs",
        status: "reverted",
        value: "release-20260103-broken",
        previousValue: "release-20260102",
        finishedAt: T0 + 95_500,
        error: "allocation 7777aaaa not healthy within 1m0s",
      }),
      allocations: [alloc(7, "release-20260102")],
    },
    {
      service: "db",
      key: "configs/db/IMAGE_TAG",
      allocations: [],
      error: "Nomad at http://127.0.0.1:4646: connection refused",
    },
  ],
};

export const statusOne: StatusReport = { services: [statusAll.services[0]!] };

/** A service that pins digests, its tag v1 re-pushed: one allocation still renders the old digest. */
export const OLD_DIGEST = `sha256:9f8e7d6c5b4a${"1".repeat(52)}`;
export const NEW_DIGEST = `sha256:1a2b3c4d5e6f${"7".repeat(52)}`;
export const statusPinned: StatusReport = {
  services: [
    {
      service: "web",
      key: "configs/web/IMAGE_TAG",
      desired: "v1",
      digest: { key: "configs/web/IMAGE_DIGEST", desired: NEW_DIGEST },
      rollout: {
        ...record({
          service: "web",
          status: "running",
          value: "v1",
          allocs: [progress("healthy"), progress("pending")],
        }),
        kind: "restart",
        digest: NEW_DIGEST,
      },
      allocations: [
        { ...alloc(1, "v1", "healthy"), renderedDigest: NEW_DIGEST },
        { ...alloc(2, "v1", "pending"), renderedDigest: OLD_DIGEST },
      ],
    },
  ],
};

export const historyReport: HistoryReport = {
  service: "web",
  entries: [
    {
      id: "4",
      at: "2026-01-03T08:29:42.000Z",
      kind: "rollout",
      tag: "v2",
      previous: "v1",
      outcome: "succeeded",
    },
    {
      id: "3",
      at: "2026-01-03T08:29:00.000Z",
      kind: "push",
      tag: "v2",
      previous: "v1",
      source: "dockerhub",
      outcome: "written",
    },
    {
      id: "2",
      at: "2026-01-02T17:00:10.000Z",
      kind: "revert",
      tag: "v1-broken",
      previous: "v1",
      outcome: "reverted",
      message: "allocation 1111aaaa failed its health checks",
    },
    {
      id: "1",
      at: "2026-01-02T17:00:00.000Z",
      kind: "operator",
      tag: "v1-broken",
      previous: "v1",
      source: "api:ci",
      outcome: "written",
    },
  ],
};

export const checkReport: CheckReport = {
  configFile: "/etc/tagroll/tagroll.yaml",
  consul: { address: "http://127.0.0.1:8500", reachable: true, version: "1.22.7" },
  nomad: { address: "http://127.0.0.1:4646", reachable: true, version: "1.11.3" },
  findings: [
    {
      level: "warning",
      rule: "change-mode",
      service: "web",
      job: "web",
      group: "app",
      message:
        'task app: template local/env renders configs/web/IMAGE_TAG with change_mode = "restart": on every change Nomad restarts every allocation at the same moment (downtime); use change_mode = "noop" and let tagroll restart them a few at a time',
    },
    { level: "error", rule: "job-missing", service: "db", job: "db", message: "job not found in Nomad" },
    {
      level: "warning",
      rule: "no-health-checks",
      service: "worker",
      job: "worker",
      group: "main",
      message:
        "no service in this group has a health check: tagroll can only wait for the task to run, not to serve",
    },
  ],
};
