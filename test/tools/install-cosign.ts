import { resolveCosign } from "../helpers/cosign-binary.js";

/**
 * `node --import tsx test/tools/install-cosign.ts`: find or build the cosign the integration tests
 * sign with (.ci/run runs it after `agents install`). Prints where it is and how long it took.
 */
const started = Date.now();
const found = await resolveCosign((line) => console.log(line));
console.log(`cosign: ${found.path} (${found.from}, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
