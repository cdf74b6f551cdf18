import { ConsulAgentInfo } from "../../../src/check/agent-probe.js";
import { runCheck, type CheckReport } from "../../../src/check/run-check.js";
import type { TagrollConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/core/logger.js";
import { HttpNomadApi } from "../../../src/nomad/http-nomad-api.js";
import { fixture, postHook } from "../ingress/source-payloads.js";

/** What the ACL test asks of tagroll besides serving: a registry push and `tagroll check`. */

/** A Docker Hub push notification of `tagroll/demo:<tag>` to a webhook URL. */
export function pushDemoTag(hookUrl: string, tag: string) {
  const { body, headers } = fixture("dockerhub-docs-push");
  body.repository.repo_name = "tagroll/demo";
  body.push_data.tag = tag;
  return postHook(hookUrl, { headers, body: JSON.stringify(body) });
}

/** `tagroll check` as the CLI wires it, with this configuration (and so its tokens). */
export function checkWith(config: TagrollConfig): Promise<CheckReport> {
  return runCheck({
    loadConfig: () => config,
    connect: (cfg) => {
      const consul = new ConsulAgentInfo(cfg.consul);
      const nomad = new HttpNomadApi(cfg.nomad);
      return { consul, nomad, close: async () => (consul.close(), await nomad.close()) };
    },
    logger: createLogger({ level: "silent" }),
  });
}
