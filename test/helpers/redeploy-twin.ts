import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DEMO_APP } from "../../src/demo/demo-job.js";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));

/** Test timings the twin puts in place of the example's production ones. */
const FASTER: Array<[RegExp, string]> = [
  [/min_healthy_time\s*=\s*"[^"]*"/, 'min_healthy_time  = "2s"'],
  [/healthy_deadline\s*=\s*"[^"]*"/, 'healthy_deadline  = "20s"'],
  [/progress_deadline\s*=\s*"[^"]*"/, 'progress_deadline = "30s"'],
  [/interval\s*=\s*"[^"]*"/, 'interval = "1s"'],
  [/timeout\s*=\s*"[^"]*"/, 'timeout  = "1s"'],
];

/**
 * A docker example job of deploy/ (the job-meta and job-variable conventions) as the HCL a user
 * would `nomad job run`, with its docker task run by raw_exec: the driver becomes raw_exec, the
 * `config` block runs deploy/demo/app.mjs with the image's tag interpolation (`${NOMAD_META_…}` or
 * `${var.…}`) handed over as IMAGE_TAG, the port keeps no `to` (no network namespace), and the
 * update and check timings are test-short. The rest — meta, variables, update, service, check,
 * shutdown_delay — is the example's own text. HCL text, not JSON, because the variable
 * convention works from the source Nomad stores with the job.
 */
export async function redeployTwin(file: string): Promise<string> {
  let hcl = await readFile(`${DEPLOY}${file}`, "utf8");
  const config = /config \{[^}]*image\s*=\s*"[^"]*:(\$\{[^}]+\})"[^}]*\}/.exec(hcl);
  if (!config) throw new Error(`${file}: no docker config block with an image tag interpolation`);
  hcl = hcl.replace(
    config[0],
    `config {\n        command = ${JSON.stringify(process.execPath)}\n        args    = [${JSON.stringify(DEMO_APP)}]\n      }\n\n` +
      `      env {\n        IMAGE_TAG = "${config[1]}"\n      }`,
  );
  hcl = hcl.replace(/driver = "docker"/, 'driver = "raw_exec"').replace(/\s*to = 8080\n/, "\n");
  for (const [pattern, replacement] of FASTER) hcl = hcl.replace(new RegExp(pattern, "g"), replacement);
  return hcl;
}
