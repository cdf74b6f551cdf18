import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { nomadJson } from "../../helpers/cluster.js";

/** The parts of Nomad's canonical job JSON the deploy tests look at. */
export interface ParsedJob {
  ID: string;
  Meta: Record<string, string> | null;
  TaskGroups: ParsedGroup[];
}

export interface ParsedGroup {
  Name: string;
  Count: number;
  Constraints: Array<{ Operand: string; RTarget: string }> | null;
  Update: { MaxParallel: number; MinHealthyTime: number; HealthyDeadline: number; AutoRevert: boolean };
  RestartPolicy: { RenderTemplates: boolean; Mode: string };
  Services: ParsedService[] | null;
  ShutdownDelay: number | null;
  Tasks: ParsedTask[];
}

export interface ParsedTask {
  Name: string;
  Driver: string;
  Config: Record<string, unknown>;
  Env: Record<string, string> | null;
  Templates: ParsedTemplate[] | null;
  Services: ParsedService[] | null;
  Identity: { Name: string; Env: boolean } | null;
  ShutdownDelay: number;
  KillTimeout: number;
}

export interface ParsedTemplate {
  EmbeddedTmpl: string;
  DestPath: string;
  ChangeMode: string;
  Envvars: boolean;
}

export interface ParsedService {
  Name: string;
  PortLabel: string;
  Checks: Array<{
    Type: string;
    Path: string;
    CheckRestart: { Limit: number } | null;
  }> | null;
}

export const SECOND = 1_000_000_000;

/** Reads a file of deploy/ and parses it with the agent's own job parser, canonicalized. */
export async function parseDeployJob(
  file: string,
  variables: Record<string, string> = {},
): Promise<ParsedJob> {
  const hcl = readFileSync(fileURLToPath(new URL(`../../../deploy/${file}`, import.meta.url)), "utf8");
  const Variables = Object.entries(variables)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join("\n");
  return nomadJson<ParsedJob>("/v1/jobs/parse", {
    method: "POST",
    body: JSON.stringify({ JobHCL: hcl, Variables, Canonicalize: true }),
  });
}

export function onlyTask(group: ParsedGroup | undefined): ParsedTask {
  if (group?.Tasks.length !== 1) throw new Error(`expected one task in ${group?.Name}`);
  return group.Tasks[0]!;
}
