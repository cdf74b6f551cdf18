import type { NomadHttp, NomadStream } from "./nomad-http.js";

/** The topics tagroll follows: what can change the allocations a service's rollout acts on. */
export const EVENT_TOPICS = ["Allocation", "Job", "Deployment"] as const;

/**
 * `GET /v1/event/stream` from `index`, in every namespace (opted-in jobs may live in any):
 * https://developer.hashicorp.com/nomad/api-docs/events. Nomad checks `read-job` on the
 * namespace asked for, here `*` (nomad/stream/event_broker.go `aclAllowsSubscription`).
 */
export function openNomadEvents(http: NomadHttp, index: number, signal: AbortSignal): Promise<NomadStream> {
  const topics = EVENT_TOPICS.map((topic) => `topic=${topic}`).join("&");
  return http.stream(
    `/v1/event/stream?${topics}`,
    { query: { index: String(index) }, scope: { namespace: "*" } },
    signal,
  );
}
