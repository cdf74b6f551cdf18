import { describe, expect, it } from "vitest";
import { holdsValue, renderedValue } from "../../../src/coordinator/targets/rendered-value.js";
import { rolloutParams } from "../../../src/coordinator/targets/rollout-params.js";
import { resolveTargets } from "../../../src/coordinator/targets/targets.js";
import { allocPath, healthSource, renderedFiles } from "../../../src/coordinator/targets/task-templates.js";
import type { NomadTask } from "../../../src/nomad/nomad-api.js";
import { buildJob, SECOND_NS } from "./fakes/fake-job.js";
import { FakeNomad } from "./fakes/fake-nomad.js";
import { serviceConfig, silentLogger } from "./fakes/harness.js";
import { VirtualClock } from "./fakes/virtual-clock.js";

describe("rollout parameters", () => {
  it("come from the group's update block, in ms", () => {
    const update = { MaxParallel: 2, MinHealthyTime: 5 * SECOND_NS, HealthyDeadline: 90 * SECOND_NS };
    expect(rolloutParams(update, undefined)).toEqual({
      maxParallel: 2,
      minHealthyTimeMs: 5_000,
      healthyDeadlineMs: 90_000,
    });
  });

  it("fall back to the job's block and then to Nomad's defaults (1 / 10s / 5m)", () => {
    expect(rolloutParams(undefined, { MaxParallel: 3 })).toEqual({
      maxParallel: 3,
      minHealthyTimeMs: 10_000,
      healthyDeadlineMs: 300_000,
    });
    expect(rolloutParams(null, null)).toEqual({
      maxParallel: 1,
      minHealthyTimeMs: 10_000,
      healthyDeadlineMs: 300_000,
    });
    expect(rolloutParams({ MaxParallel: 0, MinHealthyTime: 0 }, null).maxParallel).toBe(1);
    expect(rolloutParams({ MinHealthyTime: 0 }, null).minHealthyTimeMs).toBe(0);
  });

  it("per-service overrides win", () => {
    const update = { MaxParallel: 2, MinHealthyTime: 5 * SECOND_NS, HealthyDeadline: 90 * SECOND_NS };
    expect(rolloutParams(update, null, { maxParallel: 4, healthyDeadlineMs: 1_000 })).toEqual({
      maxParallel: 4,
      minHealthyTimeMs: 5_000,
      healthyDeadlineMs: 1_000,
    });
  });
});

describe("templates that render the key", () => {
  const task = (templates: Array<{ DestPath: string; EmbeddedTmpl?: string }>): NomadTask => ({
    Name: "web",
    Driver: "docker",
    Templates: templates,
  });

  it("finds the files whose template names the key or its folder", () => {
    const key = "configs/web/IMAGE_TAG";
    expect(
      renderedFiles(
        task([
          {
            DestPath: "local/env",
            EmbeddedTmpl: '{{ range ls "configs/web" }}{{ .Key }}={{ .Value }}{{ end }}',
          },
        ]),
        key,
      ),
    ).toEqual(["web/local/env"]);
    expect(
      renderedFiles(
        task([{ DestPath: "${NOMAD_TASK_DIR}/tag", EmbeddedTmpl: '{{ key "configs/web/IMAGE_TAG" }}' }]),
        key,
      ),
    ).toEqual(["web/local/tag"]);
    expect(
      renderedFiles(
        task([{ DestPath: "local/other", EmbeddedTmpl: '{{ range ls "configs/webber" }}{{ end }}' }]),
        key,
      ),
    ).toEqual([]);
    expect(
      renderedFiles(
        task([{ DestPath: "secrets/env", EmbeddedTmpl: '{{ key "configs/web/IMAGE_TAG" }}' }]),
        key,
      ),
    ).toEqual([]);
  });

  it("maps destinations onto the allocation dir", () => {
    expect(allocPath("web", "local/env")).toBe("web/local/env");
    expect(allocPath("web", "${NOMAD_ALLOC_DIR}/shared.env")).toBe("alloc/shared.env");
    expect(allocPath("web", "/etc/app.env")).toBeUndefined();
  });

  it("reads the value back from NAME=value lines", () => {
    expect(renderedValue("A=1\nIMAGE_TAG=v2\n", "IMAGE_TAG")).toBe("v2");
    expect(renderedValue('export IMAGE_TAG="v3"\n', "IMAGE_TAG")).toBe("v3");
    expect(renderedValue("OTHER=1\n", "IMAGE_TAG")).toBeUndefined();
    expect(holdsValue("IMAGE_TAG=v2-rc\n", "IMAGE_TAG", "v2")).toBe(false);
    expect(holdsValue('image: "acme/web:v2"\n', "IMAGE_TAG", "v2")).toBe(true);
  });
});

describe("health source", () => {
  it("prefers Consul checks, then Nomad checks, then task state", () => {
    const consul = buildJob({ id: "a", service: "a", count: 1, checks: "consul" });
    const nomad = buildJob({ id: "a", service: "a", count: 1, checks: "nomad" });
    const none = buildJob({ id: "a", service: "a", count: 1, checks: "none" });
    expect(healthSource(consul, consul.TaskGroups[0]!)).toBe("consul");
    expect(healthSource(nomad, nomad.TaskGroups[0]!)).toBe("nomad");
    expect(healthSource(none, none.TaskGroups[0]!)).toBe("task");
    const taskStates = buildJob({ id: "a", service: "a", count: 1, update: { HealthCheck: "task_states" } });
    expect(healthSource(taskStates, taskStates.TaskGroups[0]!)).toBe("task");
  });
});

describe("resolveTargets", () => {
  it("combines configured jobs with meta opt-ins, once each, narrowed to the configured groups", async () => {
    const nomad = new FakeNomad(new VirtualClock(), () => "v1");
    nomad.addJob({ id: "listed", service: "web", count: 1 });
    nomad.addJob({ id: "opted", service: "web", count: 1, meta: { tagroll_service: "web" } });
    nomad.addJob({ id: "both", service: "web", count: 1, meta: { tagroll_service: "web" } });
    nomad.addJob({ id: "other", service: "db", count: 1, meta: { tagroll_service: "db" } });
    nomad.addJob({ id: "narrowed", service: "web", count: 1, group: "worker" });
    const service = {
      ...serviceConfig("web"),
      jobs: [{ id: "listed" }, { id: "both" }, { id: "narrowed", groups: ["api"] }],
    };
    const targets = await resolveTargets(service, nomad, {}, silentLogger);
    expect(targets.map((t) => t.jobId).sort()).toEqual(["both", "listed", "opted"]);
    const [listed] = targets;
    expect(listed).toMatchObject({
      group: "app",
      tasks: ["app"],
      files: ["app/local/env"],
      valueName: "IMAGE_TAG",
      health: "consul",
      rendersOnRestart: true,
    });
    expect(listed?.params).toEqual({ maxParallel: 1, minHealthyTimeMs: 2_000, healthyDeadlineMs: 60_000 });
  });

  it("a service that pins digests also knows the files rendering its digest key", async () => {
    const nomad = new FakeNomad(new VirtualClock(), () => "v1");
    nomad.addJob({ id: "web", service: "web", count: 1, meta: { tagroll_service: "web" } });
    const plain = await resolveTargets(serviceConfig("web"), nomad, {}, silentLogger);
    expect(plain[0]?.digest).toBeUndefined();
    const pinned = {
      ...serviceConfig("web"),
      supplyChain: { digestKey: "configs/web/IMAGE_DIGEST", publicKeys: [] },
    };
    const [target] = await resolveTargets(pinned, nomad, {}, silentLogger);
    // The fake job's template ranges over the key's folder, so the same file renders the digest.
    expect(target?.digest).toEqual({ name: "IMAGE_DIGEST", files: ["app/local/env"] });
  });
});
