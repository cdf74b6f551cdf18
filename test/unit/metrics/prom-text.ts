/**
 * Reads one sample back from Prometheus text exposition output: the value of `name` whose
 * labels are exactly `labels` (order-insensitive), or undefined when there is no such line.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (sameLabels(parseLabels(match[2] ?? ""), labels)) return Number(match[3]);
  }
  return undefined;
}

/** Every label value in the output, for checks that none of them carries a secret. */
export function labelValues(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .flatMap((line) => Object.values(parseLabels(/\{(.*)\}/.exec(line)?.[1] ?? "")));
}

function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of raw.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, "$1");
  }
  return labels;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
