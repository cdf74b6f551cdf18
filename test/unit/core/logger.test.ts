import { describe, expect, it } from "vitest";
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
});
