/** What one benchmark hands back to the runner: a table plus the notes that explain it. */
export interface BenchResult {
  table: { headers: string[]; rows: string[][] };
  /** Markdown lines printed under the table: definitions, parameters, what failed and why. */
  notes: string[];
}

export interface BenchContext {
  /** Progress on stderr; results go to the table. */
  say(line: string): void;
  /** `--name=value` options from the command line (a bare `--name` is `"true"`), for iterations. */
  flags: ReadonlyMap<string, string>;
}

export interface Benchmark {
  /** The name given on the command line: `npm run bench -- <id>`. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  return [
    `| ${headers.map(escape).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}

/** Milliseconds, rounded, with a thousands separator: `12 345 ms` reads badly, `12,345` well. */
export const ms = (value: number) =>
  Number.isFinite(value) ? `${Math.round(value).toLocaleString("en-US")}` : "–";

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]) => percentile(values, 50);
