import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger, LOG_FLUSH_MS, logDestination } from "../../../src/core/logger.js";
import { capturingLogger } from "../../helpers/tagroll.js";

describe("createLogger", () => {
  it("prints a key a child binds again once, with the innermost value", () => {
    const { log, lines } = capturingLogger();
    log.child({ component: "coordinator" }).child({ component: "leader-election" }).info("campaigning");
    const [line] = lines;
    expect(line?.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(line ?? "{}")).toMatchObject({ component: "leader-election", msg: "campaigning" });
  });

  it("keeps every other binding, in order, and redacted as before", () => {
    const { log, lines } = capturingLogger();
    const child = log.child({ component: "ingress", token: "secret-token" }).child({ service: "web" });
    child.child({ component: "history" }).warn({ tag: "v2" }, "appended");
    const line = lines[0] ?? "";
    expect(line).not.toContain("secret-token");
    expect(Object.keys(JSON.parse(line) as object)).toEqual([
      "level",
      "time",
      "pid",
      "hostname",
      "component",
      "token",
      "service",
      "tag",
      "msg",
    ]);
    expect(JSON.parse(line)).toMatchObject({ component: "history", token: "[redacted]", service: "web" });
  });

  it("writes lines in a batch once LOG_FLUSH_MS passed after the first, with nothing else logged", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "tagroll-log-")), "sub", "tagroll.log");
    const log = createLogger({ destination: logDestination(file) });
    log.info("one");
    log.info("two");
    await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS / 4));
    // Far below the 4 KiB that would send them at once: still in memory.
    expect(await readFile(file, "utf8").catch(() => "")).toBe("");
    await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS * 3));
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["one", "two"]);
    // A later line gets a timer of its own.
    log.info("three");
    await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS * 3));
    expect(await readFile(file, "utf8")).toContain('"msg":"three"');
  });
});
