import { fileURLToPath } from "node:url";
import { tagOnly } from "./tag-only.js";

/** `dist/cli/main.js` of this checkout: what the raw_exec twin runs instead of the image. */
export const CLI_MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/**
 * The environment variables the twin sets differently from deploy/tagroll.nomad.hcl, and why:
 * the docker task reaches its node's agents on their default ports at the node's address and
 * listens on 8080 inside its own network namespace; a raw_exec task on the loopback test cluster
 * reads its node's Consul address from node meta (src/agents/multi-node-configs.ts), Nomad's from
 * the client's advertised address, and listens on the port Nomad gave it.
 */
export const TWIN_ENV: Record<string, string> = {
  CONSUL_HTTP_ADDR: "${meta.consul_http_addr}",
  NOMAD_ADDR: "http://${attr.nomad.advertise.address}",
  TAGROLL_HOST: "${NOMAD_HOST_IP_http}",
  TAGROLL_PORT: "${NOMAD_HOST_PORT_http}",
};

interface JobJson {
  TaskGroups: Array<{ Tasks: TaskJson[] }>;
}
interface TaskJson {
  Driver: string;
  Config: Record<string, unknown>;
  Env: Record<string, string> | null;
  Templates: Array<{ DestPath: string; EmbeddedTmpl: string }> | null;
}

/**
 * deploy/tagroll.nomad.hcl as Nomad parsed it, with its docker task run by raw_exec: the same
 * groups, constraints, update and restart blocks, identity, templates, service and checks, and
 * the image's arguments given to this checkout's CLI. Only the driver, its config and the
 * TWIN_ENV variables change — test/integration/deploy/jobs.test.ts checks exactly that — and,
 * when `configYaml` is given, the text of the `local/tagroll.yaml` template (the services).
 */
export function rawExecTwin<T extends JobJson>(docker: T, configYaml?: string): T {
  const args = (config: Record<string, unknown>) =>
    Array.isArray(config["args"]) ? (config["args"] as string[]) : [];
  const twin = structuredClone(docker);
  for (const group of twin.TaskGroups) {
    for (const task of group.Tasks) {
      if (task.Driver !== "docker") continue;
      task.Driver = "raw_exec";
      task.Config = { command: process.execPath, args: [CLI_MAIN, ...args(task.Config)] };
      task.Env = { ...task.Env, ...TWIN_ENV };
      for (const template of task.Templates ?? []) {
        if (configYaml !== undefined && template.DestPath === "local/tagroll.yaml") {
          template.EmbeddedTmpl = tagOnly(configYaml);
        }
      }
    }
  }
  return twin;
}
