import type { HistoryReport } from "../api/admin-client.js";
import { table, utc, withDigest } from "./output.js";

/** `tagroll history <service>` for humans: newest first, one row per entry. Pure (golden-tested). */
export function formatHistory(report: HistoryReport): string {
  if (report.entries.length === 0) return `no history for ${report.service}`;
  const rows = report.entries.map((e) => [
    utc(e.at),
    e.kind,
    // issue 12: a pinned digest shows after its tag, shortened (sha256: + 12 hex digits).
    withDigest(e.tag, e.digest),
    withDigest(e.previous, e.previousDigest),
    e.source ?? "-",
    e.outcome ?? "-",
    e.message ?? "",
  ]);
  return table(["TIME", "KIND", "TAG", "PREVIOUS", "SOURCE", "OUTCOME", "MESSAGE"], rows);
}
