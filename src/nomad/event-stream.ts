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

interface ChangedStub {
  JobID?: string;
  ID?: string;
  Namespace?: string;
  ModifyIndex?: number;
}

/**
 * The jobs whose running allocations, definition or deployments changed after `index`, in every
 * namespace: what the event stream would have told while it was away. Nomad keeps only its last
 * `event_buffer_size` events (100 by default), so a stream resumed after a long disconnect can
 * start past events nobody saw; these three lists cover that gap. The index is compared here:
 * Nomad 1.6's list filter has no numeric comparison (`ModifyIndex > N` is refused with
 * "expected: !=, ==, contains, in, is, matches, not"; https://developer.hashicorp.com/nomad/api-docs#filtering),
 * so only the allocations' status is filtered by Nomad, and their task states are left out.
 */
export async function jobsChangedSince(
  http: NomadHttp,
  index: number,
): Promise<Array<{ namespace: string | undefined; id: string }>> {
  const list = (path: string, query: Record<string, string> = {}) =>
    http.json<ChangedStub[] | null>(path, { query, scope: { namespace: "*" } });
  const [allocs, jobs, deployments] = await Promise.all([
    // As for an Allocation event (src/coordinator/nomad-events/event-jobs.ts): only a running one renders.
    list("/v1/allocations", {
      filter: 'ClientStatus == "running" and DesiredStatus == "run"',
      task_states: "false",
    }),
    list("/v1/jobs"),
    list("/v1/deployments"),
  ]);
  const after = (stub: ChangedStub) => (stub.ModifyIndex ?? 0) > index;
  return [
    ...(allocs ?? []).filter(after).map((a) => ({ namespace: a.Namespace, id: a.JobID })),
    ...(jobs ?? []).filter(after).map((j) => ({ namespace: j.Namespace, id: j.ID })),
    ...(deployments ?? []).filter(after).map((d) => ({ namespace: d.Namespace, id: d.JobID })),
  ].flatMap(({ namespace, id }) => (id ? [{ namespace, id }] : []));
}
