/**
 * Reading the value back out of a rendered template. The documented template writes one
 * `NAME=value` line per key (`{{ range ls "configs/web" }}{{ .Key }}={{ .Value }}` …), NAME being
 * the key's last segment; `export NAME="value"` is accepted as well.
 */
export function renderedValue(content: string, name: string): string | undefined {
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    const eq = line.indexOf("=");
    if (eq < 0 || line.slice(0, eq).trim() !== name) continue;
    return unquote(line.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * True when the file carries `value`: its `NAME=` line when it has one, otherwise the value as a
 * whole token anywhere (templates of other shapes, e.g. `image: "acme/web:v2"`).
 */
export function holdsValue(content: string, name: string, value: string): boolean {
  const parsed = renderedValue(content, name);
  if (parsed !== undefined) return parsed === value;
  return content.split(/[\s"'=:,]+/).includes(value);
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? (quoted[2] ?? "") : value;
}
