/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"): fields are `name: value`
 * lines, an event ends at a blank line, and a line starting with `:` is a comment. A field value
 * must not contain CR or LF, so multi-line data becomes several `data:` lines (the client joins
 * them with "\n"), and an event name with a line break is refused rather than split.
 */

const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** One event: `event: <name>`, optional `id:`, the data as JSON. */
export function sseEvent(name: string, data: unknown, id?: number): string {
  if (!EVENT_NAME.test(name)) throw new Error(`invalid SSE event name ${JSON.stringify(name)}`);
  const json = JSON.stringify(data) ?? "null";
  const lines = [`event: ${name}`];
  if (id !== undefined) lines.push(`id: ${id}`);
  for (const line of json.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  return `${lines.join("\n")}\n\n`;
}

/** A comment: ignored by clients, keeps proxies and idle timers from closing the stream. */
export function sseComment(text: string): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => `: ${line}`)
    .join("\n")}\n\n`;
}

/** Tells a native EventSource how long to wait before reconnecting (our fetch client ignores it). */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
