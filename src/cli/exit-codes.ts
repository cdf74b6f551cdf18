/** Exit codes scripts can rely on (README, "Command line"); every command's `--help` lists them. */
export const EXIT = {
  ok: 0,
  /** Any error, including a usage error (commander exits 1 on those too). */
  error: 1,
  /** `deploy|rollback|restart --wait`: the rollout ended failed or reverted. */
  rolloutFailed: 2,
  /** `check`: at least one error-level finding (or any warning with --strict). */
  checkFailed: 3,
} as const;

const CODES = `
Exit codes:
  0  success
  1  error or usage error
  2  the rollout failed or was reverted (--wait)
  3  check found problems`;

const REMOTE = `
Remote mode: --server URL (or TAGROLL_SERVER) with --token JWT (or TAGROLL_API_TOKEN,
preferred: a token on the command line shows in \`ps\`) talks to a running tagroll through
/api/v1 instead of to Consul and Nomad directly; the output is the same.
`;

/** The text after a command's options: examples, then exit codes (and remote mode when it applies). */
export function helpText(examples: readonly string[], options: { remote?: boolean } = {}): string {
  const lines = examples.map((example) => `  $ ${example}`).join("\n");
  return `\nExamples:\n${lines}\n${options.remote ? REMOTE : ""}${CODES}`;
}
