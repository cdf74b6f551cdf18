import type { NomadJob, NomadTask } from "../nomad/nomad-api.js";
import { templatesForKey } from "./lint-group.js";

/**
 * How a job takes its image tag (README, "Three ways a job takes its tag"), read from the job as
 * Nomad returns it and, for a variable, from the source stored with it (`nomad job run`):
 * - template: a template renders the service's key (strategy `restart`);
 * - meta: the image (or env) interpolates `${NOMAD_META_<KEY>}` / `${meta.<KEY>}` of a meta key
 *   the job sets (strategy `redeploy: meta.<KEY>`);
 * - variable: the submitted source's image, or an env variable named like a tag (IMAGE_TAG,
 *   VERSION), takes `${var.<name>}` (`redeploy: variable.<name>`).
 */
export type Convention =
  { kind: "template" } | { kind: "meta"; name: string } | { kind: "variable"; name: string };

interface TaskRuntime {
  Config?: Record<string, unknown> | null;
  Env?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
}

export function jobConventions(job: NomadJob, key: string, submittedSource?: string): Convention[] {
  const found = new Map<string, Convention>();
  const add = (c: Convention) => found.set(c.kind === "template" ? c.kind : `${c.kind}.${c.name}`, c);
  for (const group of job.TaskGroups) {
    const groupMeta = (group as { Meta?: Record<string, string> | null }).Meta;
    for (const task of group.Tasks) {
      if (templatesForKey(task, key).length > 0) add({ kind: "template" });
      const metaKeys = Object.keys({ ...job.Meta, ...groupMeta, ...(task as TaskRuntime).Meta });
      for (const name of interpolatedMeta(task)) {
        const defined = metaKeys.find((k) => k.toLowerCase() === name.toLowerCase());
        if (defined !== undefined) add({ kind: "meta", name: defined });
      }
    }
  }
  for (const pattern of [IMAGE_VARIABLE, TAG_ENV_VARIABLE])
    for (const match of (submittedSource ?? "").matchAll(pattern))
      add({ kind: "variable", name: (match[1] ?? match[2]) as string });
  return [...found.values()];
}

/** The strategy setting a convention needs, as written in tagroll's config. */
export function strategyFor(convention: Convention): string {
  return convention.kind === "template" ? "restart" : `{ redeploy: ${convention.kind}.${convention.name} }`;
}

export function describeConvention(convention: Convention, key: string): string {
  if (convention.kind === "template") return `a template rendering ${key}`;
  return convention.kind === "meta" ? `job meta ${convention.name}` : `job variable ${convention.name}`;
}

/** `image = "…${var.image_id}…"` (or `image = var.image`) in HCL source. */
const IMAGE_VARIABLE = /\bimage\s*=\s*(?:"[^"\n]*\$\{\s*var\.([A-Za-z_][\w-]*)\s*\}|var\.([A-Za-z_][\w-]*))/g;
/**
 * An env variable named like a tag (`IMAGE_TAG = var.image_id`, `VERSION = "${var.v}"`): how a
 * task without an image (exec, raw_exec, java) is handed its version.
 */
const TAG_ENV_VARIABLE =
  /^\s*"?\w*(?:IMAGE|TAG|VERSION)\w*"?\s*=\s*(?:"[^"\n]*\$\{\s*var\.([A-Za-z_][\w-]*)\s*\}|var\.([A-Za-z_][\w-]*))/gim;
const META_REFERENCE = /\$\{\s*(?:NOMAD_META_|meta\.)([A-Za-z0-9_-]+)\s*\}/g;

/** Meta keys the task's image or env interpolate. */
function interpolatedMeta(task: NomadTask): string[] {
  const runtime = task as NomadTask & TaskRuntime;
  const image = typeof runtime.Config?.["image"] === "string" ? (runtime.Config["image"] as string) : "";
  const texts = [image, ...Object.values(runtime.Env ?? {})];
  return texts.flatMap((text) => [...text.matchAll(META_REFERENCE)].map((m) => m[1] as string));
}
