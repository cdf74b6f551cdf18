import type { NomadJob, NomadService, NomadTask, NomadTaskGroup } from "../../nomad/nomad-api.js";
import { watchPrefix } from "../watch/index.js";

/** Where an allocation's health is read from, in the order tagroll prefers them (README, "Concepts"). */
export type HealthSource = "consul" | "nomad" | "task";

/**
 * Files of `task` whose template renders `key`, as paths the client fs API takes (relative to
 * the allocation dir). A template "renders the key" when its inline text names the key or its
 * folder (`{{ range ls "configs/web" }}`). Templates in the secrets dir are left out: Nomad's fs
 * API refuses to read them, so they cannot be confirmed.
 */
export function renderedFiles(task: NomadTask, key: string): string[] {
  const folder = watchPrefix(key).replace(/\/$/, "");
  const mentionsFolder = new RegExp(`${escapeRegExp(folder)}/?["'\`]`);
  return (task.Templates ?? [])
    .filter((t) => t.EmbeddedTmpl && (t.EmbeddedTmpl.includes(key) || mentionsFolder.test(t.EmbeddedTmpl)))
    .map((t) => allocPath(task.Name, t.DestPath))
    .filter((path): path is string => path !== undefined);
}

/**
 * Maps a template destination onto the allocation dir: `local/env` and `${NOMAD_TASK_DIR}/env`
 * live in `<task>/local/`, `${NOMAD_ALLOC_DIR}/x` in `alloc/`.
 */
export function allocPath(task: string, dest: string): string | undefined {
  const path = dest
    .replace(/^\$\{?NOMAD_TASK_DIR\}?/, "local")
    .replace(/^\$\{?NOMAD_ALLOC_DIR\}?/, "../alloc")
    .replace(/^\$\{?NOMAD_SECRETS_DIR\}?/, "secrets")
    .replace(/^\.\//, "");
  if (path.startsWith("/") || path.startsWith("secrets/") || path.includes("${")) return undefined;
  if (path.startsWith("../alloc/")) return path.slice(3);
  return `${task}/${path}`;
}

/**
 * Consul checks when the group registers a Consul service with checks, Nomad-native checks for
 * `provider = "nomad"` services, else task state alone — and task state too when the group's
 * `update { health_check = "task_states" }` says so, as Nomad would.
 */
export function healthSource(job: NomadJob, group: NomadTaskGroup): HealthSource {
  const mode = group.Update?.HealthCheck ?? job.Update?.HealthCheck;
  if (mode === "task_states") return "task";
  const services: NomadService[] = [
    ...(group.Services ?? []),
    ...group.Tasks.flatMap((t) => t.Services ?? []),
  ];
  const checked = services.filter((s) => (s.Checks ?? []).length > 0);
  if (checked.some((s) => (s.Provider || "consul") !== "nomad")) return "consul";
  if (checked.length > 0) return "nomad";
  return "task";
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
