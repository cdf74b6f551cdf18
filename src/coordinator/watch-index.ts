/**
 * Consul's blocking-query index rules ("Blocking Queries", Consul API docs):
 * - if the returned index went backwards (a snapshot restore, a leader change on an old
 *   version), reset to 0 so the next request re-reads without blocking;
 * - otherwise never use an index below 1: an index of 0 makes every request return at once,
 *   which would turn the loop into a busy spin.
 */
export function nextWatchIndex(previous: number, returned: number): number {
  if (returned < previous) return 0;
  return Math.max(1, returned);
}

/** The folder a key lives in, with its trailing slash: `configs/web/IMAGE_TAG` → `configs/web/`. */
export function watchPrefix(key: string): string {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? "" : key.slice(0, slash + 1);
}

/** The last segment of a key, the name the template writes it under: `IMAGE_TAG`. */
export function keyBasename(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}
