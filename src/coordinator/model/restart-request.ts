/**
 * A rolling restart asked for by `tagroll restart <service>` or the API, which may run in another
 * process than the leader: the request is a KV key the leader watches (`tagroll/requests/<service>`),
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

export const REQUESTS_PREFIX = "tagroll/requests/";

export function requestKey(service: string): string {
  return `${REQUESTS_PREFIX}${service}`;
}

/** The service a request key is for, or undefined for a key that is not one. */
export function requestService(key: string): string | undefined {
  if (!key.startsWith(REQUESTS_PREFIX)) return undefined;
  const service = key.slice(REQUESTS_PREFIX.length);
  return service && !service.includes("/") ? service : undefined;
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
