import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { buildAgent, type BuildPin, type ProgressSink } from "../../src/agents/build-agent.js";
import { binaryCacheDir } from "../../src/agents/resolve-binary.js";

/**
 * The real cosign CLI the supply-chain tests sign images with (sigstore/cosign, Apache-2.0),
 * built from the Go module proxy like the agents (src/agents/build-agent.ts) and cached beside
 * them in `~/.cache/tagroll/bin/cosign-<version>`. A test dependency only: tagroll itself
 * verifies signatures with Node's crypto (src/supply-chain/cosign-signature.ts).
 */
export const COSIGN_PIN: BuildPin = {
  name: "cosign",
  version: "2.6.1",
  module: "github.com/sigstore/cosign/v2",
  moduleVersion: "v2.6.1",
  mainPackage: "github.com/sigstore/cosign/v2/cmd/cosign",
  // cosign prints this as its GitVersion (sigs.k8s.io/release-utils/version).
  ldflags: "-X sigs.k8s.io/release-utils/version.gitVersion=v2.6.1",
  localReplacements: {},
};

/** `$COSIGN_BIN`, else the cached build, else a build now (a few minutes on 2 cores). */
export async function resolveCosign(
  progress: ProgressSink,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ path: string; from: "env" | "cache" | "built" }> {
  const fromEnv = env["COSIGN_BIN"];
  if (fromEnv) return { path: fromEnv, from: "env" };
  const cached = join(binaryCacheDir(env), `cosign-${COSIGN_PIN.version}`);
  try {
    await access(cached, constants.X_OK);
    return { path: cached, from: "cache" };
  } catch {
    await buildAgent(COSIGN_PIN, cached, progress);
    return { path: cached, from: "built" };
  }
}
