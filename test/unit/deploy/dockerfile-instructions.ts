/** One Dockerfile instruction: keyword upper-cased, arguments with continuations joined. */
export interface Instruction {
  keyword: string;
  args: string;
  /** Index of the build stage (the FROM it follows); -1 before the first FROM (global ARGs). */
  stage: number;
}

/**
 * Just enough of the Dockerfile grammar to check our own file: comments and the parser
 * directive are dropped, `\` continuations joined. Heredocs and escape directives are not
 * supported; the Dockerfile uses neither.
 */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (!match) continue;
    const keyword = (match[1] ?? "").toUpperCase();
    if (keyword === "FROM") stage += 1;
    instructions.push({ keyword, args: match[2] ?? "", stage });
  }
  return instructions;
}

/** `["node", "x.js"]` (exec form) → the array; shell form → undefined. */
export function execForm(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(trimmed);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === "string") ? parsed : undefined;
}

/** Sources of a COPY/ADD taken from the build context (not `--from=` another stage). */
export function contextSources(instruction: Instruction): string[] {
  const words = instruction.args.split(/\s+/).filter((word) => word !== "");
  if (words.some((word) => word.startsWith("--from="))) return [];
  const operands = words.filter((word) => !word.startsWith("--"));
  return operands.slice(0, -1);
}
