import { loadavg } from "node:os";
import { processId, runStateDir, stopLeftovers } from "../../src/agents/run-records.js";
import { describeEnvironment, environmentMarkdown } from "./bench-environment.js";
import { markdownTable, type Benchmark, type BenchResult } from "./bench-result.js";
import { writeSections } from "./benchmarks-file.js";
import { downtimeMultiNodeBenchmark } from "./downtime-multi-node.js";
import { downtimeBenchmark } from "./downtime.js";
import { ingestBenchmark } from "./ingest.js";
import { overheadBenchmark } from "./overhead.js";
import { reactionBenchmark } from "./reaction.js";
import { scaleBenchmark } from "./scale.js";

/**
 * `npm run bench [-- <name>…] [--no-write]`: runs the named benchmarks (all by default) one after
 * the other, prints each as markdown on stdout and rewrites its section of BENCHMARKS.md.
 */
const BENCHMARKS: Benchmark[] = [
  downtimeBenchmark,
  downtimeMultiNodeBenchmark,
  ingestBenchmark,
  reactionBenchmark,
  overheadBenchmark,
  scaleBenchmark,
];

async function main(argv: string[]): Promise<number> {
  const write = !argv.includes("--no-write");
  const names = argv.filter((a) => !a.startsWith("--"));
  const flags = new Map(
    argv
      .filter((a) => a.startsWith("--"))
      .map((a) => {
        const [name = "", ...value] = a.slice(2).split("=");
        return [name, value.length ? value.join("=") : "true"] as const;
      }),
  );
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.id === n));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(", ")}; known: ${BENCHMARKS.map((b) => b.id).join(", ")}`,
    );
    return 2;
  }
  const selected = names.length ? BENCHMARKS.filter((b) => names.includes(b.id)) : BENCHMARKS;
  const command = `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
  const say = (line: string) => console.error(`[bench] ${line}`);
  await stopAgentsOnSignal(say);
  let failures = 0;
  for (const benchmark of selected) {
    const env = await describeEnvironment(command);
    say(`${benchmark.title}`);
    const started = Date.now();
    const result = await benchmark.run({ say, flags }).catch((err: Error): BenchResult => {
      failures++;
      return {
        table: { headers: ["result"], rows: [["did not complete"]] },
        notes: [`Error: ${err.message}`],
      };
    });
    const section = [
      `## ${benchmark.title}`,
      environmentMarkdown(env),
      markdownTable(result.table.headers, result.table.rows),
      result.notes.join("\n\n"),
      `(${Math.round((Date.now() - started) / 1000)} s including agent start-up; load average at the end ` +
        `${loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}.)`,
    ].join("\n\n");
    console.log(`${section}\n`);
    if (write) {
      await writeSections(
        "BENCHMARKS.md",
        BENCHMARKS.map((b) => b.id),
        new Map([[benchmark.id, section]]),
      );
    }
  }
  return failures > 0 ? 1 : 0;
}

/**
 * The agents run in process groups of their own (bench-cluster.ts), so Ctrl-C does not reach
 * them: on SIGINT, SIGTERM or SIGHUP stop the ones this run recorded, then exit. What an earlier
 * run killed outright left behind is stopped first.
 */
async function stopAgentsOnSignal(say: (line: string) => void): Promise<void> {
  const stateDir = runStateDir("bench");
  const stale = await stopLeftovers(stateDir, { progress: say });
  if (stale > 0) say(`stopped ${stale} cluster(s) an earlier run left running`);
  const me = await processId(process.pid);
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      say(`${signal}: stopping the agents`);
      void (me ? stopLeftovers(stateDir, { owner: me }) : Promise.resolve(0)).finally(() =>
        process.exit(130),
      );
    });
  }
}

process.exitCode = await main(process.argv.slice(2));
