import { describe, expect, it } from "vitest";
import { isNodeUnreachable } from "../../../src/nomad/node-unreachable.js";

describe("isNodeUnreachable", () => {
  it("recognises Nomad's answers for a node no server can reach", () => {
    const restart =
      "Nomad at http://127.0.0.2:34289: POST /v1/client/allocation/x/restart: rpc error: No path to node";
    expect(isNodeUnreachable(new Error(restart))).toBe(true);
    expect(isNodeUnreachable(new Error("GET /v1/client/fs/cat/x: Unknown node"))).toBe(true);
  });

  it("leaves every other failure alone", () => {
    expect(isNodeUnreachable(new Error("Permission denied"))).toBe(false);
    expect(isNodeUnreachable(new Error("task not found"))).toBe(false);
    expect(isNodeUnreachable("timeout")).toBe(false);
  });
});
