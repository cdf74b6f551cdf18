import { readFile, writeFile } from "node:fs/promises";
import { format, resolveConfig } from "prettier";

const INTRO = `# Benchmarks

Produced by \`npm run bench\` (all of them) or \`npm run bench -- <name>\` (one: \`downtime\`, \`ingest\`,
\`reaction\`, \`overhead\`, \`scale\`); the runner is \`test/bench/run.ts\`. Every benchmark starts its own
private Consul and Nomad dev agents on free loopback ports and stops them afterwards; their logs stay in
\`test-artifacts/bench/<name>-<timestamp>/\`. Each section below is rewritten by its own run and says the
exact command, date, machine and versions that produced it.

The machine is small and shared (other engineers build and test on it at the same time), so absolute
figures are noisy: compare the rows of one table, which ran back to back, rather than figures across
sections or days.
`;

const open = (id: string) => `<!-- bench:${id} -->`;
const close = (id: string) => `<!-- /bench:${id} -->`;

/**
 * Rewrites the sections of BENCHMARKS.md that just ran, leaving the others as they were, so a
 * single benchmark can be re-run without losing the rest. Sections stay in `order`.
 */
export async function writeSections(
  path: string,
  order: string[],
  sections: Map<string, string>,
): Promise<void> {
  const existing = await readFile(path, "utf8").catch(() => INTRO);
  const kept = new Map<string, string>();
  for (const id of order) {
    const start = existing.indexOf(open(id));
    const end = existing.indexOf(close(id));
    if (start >= 0 && end > start) kept.set(id, existing.slice(start + open(id).length, end).trim());
  }
  for (const [id, body] of sections) kept.set(id, body.trim());
  // Whatever precedes the first section is kept as the file's introduction.
  const intro = existing.slice(0, firstMarker(existing, order));
  const body = order
    .filter((id) => kept.has(id))
    .map((id) => `${open(id)}\n${kept.get(id)}\n${close(id)}`)
    .join("\n\n");
  // A heading outside every marker pair would vanish with this rewrite: refuse instead of losing it.
  const lost = headings(outsideMarkers(existing, order)).filter((h) => !`${intro}\n${body}`.includes(h));
  if (lost.length > 0) {
    throw new Error(
      `${path}: ${lost.join("; ")} ${lost.length === 1 ? "is" : "are"} outside any ${open("<id>")} … ` +
        `${close("<id>")} pair and would be lost; put each section between its markers and run again`,
    );
  }
  // Formatted as `npm run lint` (prettier --check .) expects, so a fresh run never fails the lint.
  const options = (await resolveConfig(path)) ?? {};
  await writeFile(path, await format(`${intro.trim()}\n\n${body}\n`, { ...options, filepath: path }));
}

/** The text with every marked section cut out: what no run rewrites. */
function outsideMarkers(text: string, order: string[]): string {
  let rest = text;
  for (const id of order) {
    const start = rest.indexOf(open(id));
    const end = rest.indexOf(close(id));
    if (start >= 0 && end > start) rest = rest.slice(0, start) + rest.slice(end + close(id).length);
  }
  return rest;
}

function headings(text: string): string[] {
  return text.split("\n").filter((line) => /^#{2,3} /.test(line));
}

function firstMarker(text: string, order: string[]): number {
  const found = order.map((id) => text.indexOf(open(id))).filter((i) => i >= 0);
  return found.length ? Math.min(...found) : text.length;
}
