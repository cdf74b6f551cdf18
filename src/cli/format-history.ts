import type { HistoryReport } from "../api/admin-client.js";
import { table, utc } from "./output.js";

/** `tagroll history <service>` for humans: newest first, one row per entry. Pure (golden-tested). */
export function formatHistory(report: HistoryReport): string {
  if (report.entries.length === 0) return `no history for ${report.service}`;
  const rows = report.entries.map((e) => [
    utc(e.at),
    e.kind,
    e.tag ?? "-",
    e.previous ?? "-",
    e.source ?? "-",
    e.outcome ?? "-",
    e.message ?? "",
  ]);
  return table(["TIME", "KIND", "TAG", "PREVIOUS", "SOURCE", "OUTCOME", "MESSAGE"], rows);
}
