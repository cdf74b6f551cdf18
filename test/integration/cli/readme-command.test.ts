import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");

/**
 * README, "Quick start": after `npm ci` (whose prepare script builds dist/), `npx tagroll …` runs
 * the built CLI as written. npx executes the package's bin file directly, so it must be executable
 * (package.json "build" sets the mode; tsc writes 0644). `tagroll dev` itself is run by
 * test/integration/dev/tagroll-dev.test.ts.
 */
describe("the README's npx tagroll", () => {
  it("runs the built CLI from the repository root", () => {
    const run = spawnSync("npx", ["--no-install", "tagroll", "dev", "--help"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.stderr).not.toMatch(/Permission denied/);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Usage: tagroll dev/);
    expect(run.stdout).toContain("--port");
  });
});
