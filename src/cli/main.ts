#!/usr/bin/env node
import { buildProgram } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tagroll: ${message}\n`);
    process.exitCode =
      typeof (err as { exitCode?: unknown }).exitCode === "number"
        ? (err as { exitCode: number }).exitCode
        : 1;
  });
