import type { StatusReport } from "../api/admin-client.js";
import type { LeaderReport } from "../operations/operations.js";
import type { RolloutRecord } from "../coordinator/index.js";
import type { ServiceStatus } from "../operations/index.js";
import { seconds, table, utc, withDigest } from "./output.js";

/**
 * `tagroll status` for humans: who leads, one row per service (desired value, how many running
 * allocations render it, the current or last rollout), and for a single service its
 * allocations one by one. Pure, so the golden files in test/fixtures/cli/ pin it.
 */
export function formatStatus(report: StatusReport, options: { allocations: boolean }): string {
  const sections = [leaderLine(report.leader)];
  if (report.services.length === 0) {
    sections.push("no services configured");
    return sections.join("\n\n");
  }
  sections.push(
    table(
      ["SERVICE", "DESIRED", "ALLOCS", "ROLLOUT"],
      report.services.map((s) => [
        s.service,
        withDigest(s.desired, s.digest?.desired),
        allocsCell(s),
        rolloutCell(s.rollout),
      ]),
    ),
  );
  const waiting = report.services.flatMap((s) => (s.waiting ? [waitingLine(s.service, s.waiting)] : []));
  if (waiting.length > 0) sections.push(waiting.join("\n"));
  const promotions = report.services.flatMap((s) =>
    s.promotion ? [promotionLine(s.service, s.promotion)] : [],
  );
  if (promotions.length > 0) sections.push(promotions.join("\n"));
  if (options.allocations) sections.push(...report.services.map(allocationSection));
  else {
    const errors = report.services
      .filter((s) => s.error)
      .map((s) => `${s.service}: Nomad could not be asked: ${s.error}`);
    if (errors.length > 0) sections.push(errors.join("\n"));
  }
  return sections.join("\n\n");
}

/** `web: v2 waits for approval (1/2: alice), expires …` (README, "Approvals, deploy windows and promotion"). */
function waitingLine(service: string, waiting: NonNullable<ServiceStatus["waiting"]>): string {
  const from = waiting.from ? ` (promoted from ${waiting.from})` : "";
  // The digest pushed with a held value (README, "Approvals, deploy windows and promotion").
  const value = withDigest(waiting.value, waiting.digest);
  if (waiting.kind === "scheduled") {
    const opens = waiting.opensAt ? ` at ${utc(waiting.opensAt)}` : "";
    return `${service}: ${value}${from} is scheduled: starts when the deploy window opens${opens}`;
  }
  const by = waiting.approvals.map((a) => a.by).join(", ");
  const count = `${waiting.approvals.length}/${waiting.required}${by ? `: ${by}` : ""}`;
  const expires = waiting.expiresAt ? `, expires ${utc(waiting.expiresAt)}` : "";
  return `${service}: ${value}${from} waits for approval (${count})${expires} — tagroll approve ${service}`;
}

/** `web-staging: v2 not yet promoted to web-prod (3 attempts): <error>; retrying` (README, "Promotion to another cluster"). */
function promotionLine(service: string, p: NonNullable<ServiceStatus["promotion"]>): string {
  const tries = `${p.attempts} attempt${p.attempts === 1 ? "" : "s"}`;
  const error = p.lastError ? `: ${p.lastError}` : "";
  return `${service}: ${p.value} not yet promoted to ${p.to} (${tries})${error}; retrying`;
}

function leaderLine(leader: StatusReport["leader"]): string {
  if (!leader) return "leader: none — no tagroll instance is coordinating rollouts";
  const since = leader.since ? ` since ${utc(leader.since)}` : "";
  return `leader: ${leader.instance ?? "(unnamed)"}${since}${nomadEventsNote(leader.nomadEvents)}`;
}

/**
 * Said only when the leader's Nomad event stream is not followed, or what changed while it was
 * away is not yet listed: those changes then wait for the sweep or the next try.
 */
function nomadEventsNote(events: LeaderReport["nomadEvents"]): string {
  if (!events) return "";
  let note = "";
  if (events.state !== "connected") {
    const since = events.since ? ` since ${utc(events.since)}` : "";
    const reason = events.reason ? ` (${events.reason})` : "";
    const what = events.state === "refused" ? "refused" : `${events.state}, reconnecting`;
    note += `\nNomad event stream ${what}${since}${reason}: Nomad-side changes are found only by the reconcile sweep`;
  }
  const gap = events.uncheckedGap;
  if (gap) {
    const since = gap.since ? ` since ${utc(gap.since)}` : "";
    const reason = gap.reason ? ` (${gap.reason})` : "";
    note +=
      `\nwhat changed in Nomad while its event stream was away could not be listed${since}${reason}; ` +
      "trying again every 30 s (the reconcile sweep finds it too)";
  }
  return note;
}

/**
 * `3/3 on v2`: running allocations whose rendered template holds the desired value — and, for a
 * service that pins digests, the desired digest too (a re-pushed tag changes only the digest).
 */
function allocsCell(status: ServiceStatus): string {
  if (status.error) return "unknown (Nomad error)";
  const total = status.allocations.length;
  if (status.desired === undefined) return `${total} running`;
  const digest = status.digest?.desired;
  const onDesired = status.allocations.filter(
    (a) => a.rendered === status.desired && (digest === undefined || a.renderedDigest === digest),
  ).length;
  return `${onDesired}/${total} on ${withDigest(status.desired, digest)}`;
}

function rolloutCell(record: RolloutRecord | undefined): string {
  if (!record || record.kind === "adopted") return "-";
  const value = withDigest(record.value, record.digest);
  const change =
    record.kind === "restart"
      ? `restart on ${value}`
      : `deploy ${record.previousValue ?? "(unset)"} → ${value}`;
  const took = record.finishedAt === undefined ? "" : ` in ${seconds(record.finishedAt - record.startedAt)}`;
  const error = record.error ? `: ${record.error}` : "";
  const undrained = record.allocs.filter((a) => a.undrained).length;
  return rolloutState(record, change, took, error) + (undrained ? `; ${undrained} restarted UNDRAINED` : "");
}

function rolloutState(record: RolloutRecord, change: string, took: string, error: string): string {
  switch (record.status) {
    case "running": {
      const done = record.allocs.filter((a) => a.state === "healthy").length;
      return `running: ${change}, ${done}/${record.allocs.length} allocations done`;
    }
    case "reverting":
      return `reverting: ${record.value} → ${record.previousValue ?? "(unset)"}${error}`;
    case "succeeded":
      return `succeeded: ${change}${took}`;
    case "failed":
      return `failed: ${change}${took}${error}`;
    case "reverted":
      return `reverted: ${record.value} back to ${record.previousValue ?? "(unset)"}${took}${error}`;
  }
}

function allocationSection(status: ServiceStatus): string {
  const head = [`${status.service} (${status.key})`, ...digestLine(status)].join("\n");
  if (status.error) return `${head}\nNomad could not be asked: ${status.error}`;
  if (status.allocations.length === 0) return `${head}\nno running allocations in its target jobs`;
  const pinned = status.digest !== undefined;
  const rows = status.allocations.map((a) => [
    a.allocId.slice(0, 8),
    a.name,
    a.node.slice(0, 8),
    a.clientStatus,
    pinned ? withDigest(a.rendered ?? "?", a.renderedDigest ?? "?") : (a.rendered ?? "?"),
    a.step ?? "-",
    a.undrained ? "UNDRAINED" : "-",
  ]);
  const notes = status.allocations
    .filter((a) => a.undrained)
    .map((a) => `${a.allocId.slice(0, 8)} was restarted while still in rotation: ${a.undrained}`);
  const body = table(["ALLOC", "NAME", "NODE", "STATUS", "RENDERED", "STEP", "DRAIN"], rows);
  return [head, body, ...notes].join("\n");
}

/** `digest (configs/web/IMAGE_DIGEST): desired sha256:…, deployed sha256:…` for a pinned service. */
function digestLine(status: ServiceStatus): string[] {
  const digest = status.digest;
  if (!digest) return [];
  const short = (value: string | undefined) => (value === undefined ? "-" : `${value.slice(0, 19)}…`);
  const line = `digest (${digest.key}): desired ${short(digest.desired)}, deployed ${short(digest.deployed)}`;
  return digest.pending === undefined ? [line] : [line, `digest pending: ${digest.pending}`];
}
