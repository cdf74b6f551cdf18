import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeSections } from "../../bench/benchmarks-file.js";

/** test/bench/benchmarks-file.ts: one benchmark's run rewrites its section and keeps the rest. */
describe("writeSections", () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "bench-file-")), "BENCHMARKS.md");
    writeFileSync(path, text);
    return path;
  };

  it("rewrites the section that ran and keeps the others word for word", async () => {
    const path = file(
      "# Benchmarks\n\nintro\n\n<!-- bench:a -->\n\n## A\n\nold a\n\n<!-- /bench:a -->\n\n<!-- bench:b -->\n\n## B\n\nkept b\n\n<!-- /bench:b -->\n",
    );
    await writeSections(path, ["a", "b"], new Map([["a", "## A\n\nnew a"]]));
    const text = readFileSync(path, "utf8");
    expect(text).toContain("new a");
    expect(text).not.toContain("old a");
    expect(text).toContain("kept b");
  });

  it("refuses to drop a section that sits outside any markers, and leaves the file as it was", async () => {
    const before =
      "# Benchmarks\n\nintro\n\n<!-- bench:a -->\n\n## A\n\nold a\n\n<!-- /bench:a -->\n\n## 3. Unmarked\n\nhand-written figures\n\n<!-- bench:b -->\n\n## B\n\nkept b\n\n<!-- /bench:b -->\n";
    const path = file(before);
    await expect(writeSections(path, ["a", "b"], new Map([["a", "## A\n\nnew a"]]))).rejects.toThrow(
      /## 3\. Unmarked is outside any <!-- bench:<id> -->/,
    );
    expect(readFileSync(path, "utf8")).toBe(before);
  });
});
