/**
 * Where a command writes: `out` for its result (a table, or JSON with --json), `err` for progress
 * and notices — so `tagroll deploy web v2 --wait --json | jq` gets clean JSON while a human still
 * sees the rollout move. Injected so tests can capture both.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Output = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

/** Left-aligned columns, two spaces apart, no trailing spaces. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The `--json` form of every command: pretty, stable key order as built. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** `2026-01-03 08:29:00Z` from epoch ms or an ISO string: UTC, so output does not depend on TZ. */
export function utc(time: number | string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return String(time);
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/**
 * `v2@sha256:1a2b3c4d5e6f`: a tag with its pinned digest shortened to `sha256:` + 12 hex digits
 * (README, "Supply chain"); `--json` carries the full digest. "-" for no tag.
 */
export function withDigest(tag: string | undefined, digest: string | undefined): string {
  if (tag === undefined) return "-";
  return digest === undefined ? tag : `${tag}@${digest.slice(0, 19)}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Prints `notice` on stderr if `work` has not settled after `afterMs` (a slow Consul or Nomad). */
export async function withNotice<T>(
  out: Output,
  notice: string,
  work: Promise<T>,
  afterMs = 1000,
): Promise<T> {
  const timer = setTimeout(() => out.err(notice), afterMs);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}
