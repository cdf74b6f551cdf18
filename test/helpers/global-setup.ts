import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startDevCluster } from "../../src/agents/dev-cluster.js";
import { CONSUL_PIN, NOMAD_PIN } from "../../src/agents/pins.js";
import { resolveBinary } from "../../src/agents/resolve-binary.js";
import { resolveCosign } from "./cosign-binary.js";

declare module "vitest" {
  export interface ProvidedContext {
    consulAddr: string;
    nomadAddr: string;
    consulDnsPort: number;
    consulBin: string;
    nomadBin: string;
    /** Versions the agents report, e.g. "1.14.8" and "1.6.3" for the pins. */
    consulVersion: string;
    nomadVersion: string;
    /** issue 12: the cosign CLI the supply-chain tests sign with (test/helpers/cosign-binary.ts). */
    cosignBin: string;
  }
}

/**
 * Starts one real Consul and one real Nomad dev agent for the whole integration run (building the
 * pinned binaries first if nothing else provides them). Logs stay in test-artifacts/agents/.
 */
export default async function setup(project: TestProject) {
  const progress = (line: string) => console.log(`[agents] ${line}`);
  const t0 = Date.now();
  const consul = await resolveBinary(CONSUL_PIN, { progress });
  const nomad = await resolveBinary(NOMAD_PIN, { progress });
  const cosign = await resolveCosign(progress);
  const t1 = Date.now();
  const dir = join(process.cwd(), "test-artifacts", "agents", `${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const cluster = await startDevCluster({
    consulBin: consul.path,
    nomadBin: nomad.path,
    dir,
    keepLogs: true,
    progress,
  });
  progress(
    `consul ${consul.version} (${consul.from}) at ${cluster.consulAddr}, nomad ${nomad.version} (${nomad.from}) at ` +
      `${cluster.nomadAddr}; binaries ${t1 - t0} ms, start-up ${Date.now() - t1} ms; logs in ${dir}`,
  );
  project.provide("consulAddr", cluster.consulAddr);
  project.provide("nomadAddr", cluster.nomadAddr);
  project.provide("consulDnsPort", cluster.consulDnsPort);
  project.provide("consulBin", consul.path);
  project.provide("nomadBin", nomad.path);
  project.provide("consulVersion", consul.version);
  project.provide("nomadVersion", nomad.version);
  project.provide("cosignBin", cosign.path);
  return async () => {
    await cluster.stop();
  };
}
