import type { AgentProbe } from "../check/agent-probe.js";
import { countLevels } from "../check/finding.js";
import type { CheckReport } from "../check/run-check.js";
import { table } from "./output.js";

/** `tagroll check` for humans: the agents, then a table of findings, then a count. Pure. */
export function formatCheck(report: CheckReport): string {
  const sections: string[] = [];
  if (report.configFile) sections.push(`config: ${report.configFile}`);
  const agents: Array<[string, AgentProbe | undefined]> = [
    ["consul", report.consul],
    ["nomad", report.nomad],
  ];
  const rows = agents.flatMap(([name, p]) =>
    p ? [[name, p.address, p.reachable ? "ok" : "unreachable", p.version ?? "-"]] : [],
  );
  if (rows.length > 0) sections.push(table(["AGENT", "ADDRESS", "STATE", "VERSION"], rows));
  if (report.findings.length > 0) {
    sections.push(
      table(
        ["LEVEL", "SERVICE", "JOB", "GROUP", "RULE", "MESSAGE"],
        report.findings.map((f) => [
          f.level,
          f.service ?? "-",
          f.job ?? "-",
          f.group ?? "-",
          f.rule,
          f.message,
        ]),
      ),
    );
  }
  const { errors, warnings } = countLevels(report.findings);
  sections.push(
    errors + warnings === 0
      ? "no problems found"
      : `${plural(errors, "error")}, ${plural(warnings, "warning")}`,
  );
  return sections.join("\n\n");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
