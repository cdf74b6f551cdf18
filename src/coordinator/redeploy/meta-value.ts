import type { JobJson } from "../../nomad/deploy-api.js";

/**
 * The job-meta convention (README, "Three ways a job takes its tag"): `meta { VERSION = "1.2" }`
 * and `image = "…:${NOMAD_META_VERSION}"`. Nomad merges meta job → group → task, the inner one
 * winning, so a key set on a group or task too must change there as well.
 */

/** Every value the key has in the job (job, groups, tasks), outermost first. */
export function metaValues(job: JobJson, key: string): string[] {
  const values: string[] = [];
  const add = (meta: Record<string, string> | null | undefined) => {
    if (meta && Object.hasOwn(meta, key)) values.push(meta[key] as string);
  };
  add(job.Meta);
  for (const group of job.TaskGroups) {
    add(group.Meta);
    for (const task of group.Tasks) add(task.Meta);
  }
  return values;
}

/** True when the key is set and every allocation of the job would see `value`. */
export function carriesMeta(job: JobJson, key: string, value: string): boolean {
  const values = metaValues(job, key);
  return values.length > 0 && values.every((v) => v === value);
}

/**
 * A copy of the job with the key set to `value`: in the job's meta, and on every group or task
 * that sets the key itself (it would shadow the job's). Nothing else changes.
 */
export function withMetaValue(job: JobJson, key: string, value: string): JobJson {
  const copy = structuredClone(job);
  copy.Meta = { ...copy.Meta, [key]: value };
  for (const group of copy.TaskGroups) {
    if (group.Meta && Object.hasOwn(group.Meta, key)) group.Meta[key] = value;
    for (const task of group.Tasks) if (task.Meta && Object.hasOwn(task.Meta, key)) task.Meta[key] = value;
  }
  return copy;
}
