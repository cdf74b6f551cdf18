/**
 * True when Nomad could not forward a client call (restart, fs/cat, checks) because no server
 * holds a connection to the allocation's node: `No path to node` (structs.ErrNoNodeConn) or
 * `Unknown node` (structs.ErrUnknownNode) in Nomad's answer. The node is down or cut off; Nomad
 * marks its allocations lost once its heartbeat expires and places replacements elsewhere.
 */
export function isNodeUnreachable(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /no path to node|unknown node/i.test(message);
}
