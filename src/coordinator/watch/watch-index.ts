/**
 * Consul's blocking-query index rules ("Blocking Queries", Consul API docs):
 * - an answer below 1 is a Consul bug ("sanity check index is greater than zero"): use 1, since
 *   an index of 0 makes every request return at once and the loop would spin;
 * - an index that went backwards (snapshot restore, leader change on old versions) resets to 0,
 *   so the next request re-reads without blocking and starts over from what it returns.
 */
export function nextWatchIndex(previous: number, returned: number): number {
  if (returned < 1) return 1;
  if (returned < previous) return 0;
  return returned;
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
