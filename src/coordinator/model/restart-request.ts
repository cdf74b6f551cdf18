/**
 * A rolling restart asked for by `tagroll restart <service>` or the API, which may run in another
 * process than the leader: the request is a KV key the leader watches (`requestKey` in
 * src/state/kv-layout.ts),
 * served once — the rollout record remembers the request id — and then deleted.
 */
export interface RestartRequest {
  id: string;
  kind: "restart";
  /** Epoch ms. */
  requestedAt: number;
  /** Who asked, e.g. "cli", "api". */
  by?: string;
}

export function parseRestartRequest(raw: string): RestartRequest | undefined {
  try {
    const value = JSON.parse(raw) as Partial<RestartRequest>;
    if (value?.kind !== "restart" || typeof value.id !== "string") return undefined;
    return value as RestartRequest;
  } catch {
    return undefined;
  }
}
