import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import {
  deliveryKey,
  folderPrefix,
  historyKey,
  isStateKey,
  LEADER_KEY,
  requestKey,
  requestService,
  rolloutKey,
  tokenKey,
  tokenOfKey,
} from "../../../src/state/kv-layout.js";

const JTI = "AAAAAAAAAAAAAAAAAAAAAA";

/** The layout is a contract with operators (README, "Where state lives"): these are its keys. */
describe("Consul KV layout", () => {
  it("puts every record under tagroll/", () => {
    expect(LEADER_KEY).toBe("tagroll/leader");
    expect(rolloutKey("web")).toBe("tagroll/rollouts/web");
    expect(historyKey("web")).toBe("tagroll/history/web");
    expect(historyKey("web", "staging/tagroll")).toBe("staging/tagroll/history/web");
    expect(requestKey("web")).toBe("tagroll/requests/web");
    expect(tokenKey("tokens", JTI)).toBe(`tagroll/tokens/${JTI}`);
    expect(tokenKey("revoked", JTI)).toBe(`tagroll/revoked/${JTI}`);
    expect(deliveryKey("web", "dockerhub", "d1")).toMatch(/^tagroll\/deliveries\/web\/[0-9a-f]{64}$/);
    expect(folderPrefix("deliveries")).toBe("tagroll/deliveries/");
  });

  it("parses the keys it builds", () => {
    expect(requestService(requestKey("web"))).toBe("web");
    expect(requestService("tagroll/requests/web/x")).toBeUndefined();
    expect(requestService("configs/web/IMAGE_TAG")).toBeUndefined();
    expect(tokenOfKey("revoked", tokenKey("revoked", JTI))).toBe(JTI);
    expect(isStateKey("tagroll/leader")).toBe(true);
    expect(isStateKey("configs/tagroll/x")).toBe(false);
  });

  it("refuses names that would address another record", () => {
    expect(() => historyKey("web/../db")).toThrow(ValidationError);
    expect(() => tokenKey("tokens", "../leader")).toThrow(ValidationError);
    expect(() => deliveryKey("web/../db", "ghcr", "d1")).toThrow(ValidationError);
    expect(deliveryKey("web", "a", "bc")).not.toBe(deliveryKey("web", "ab", "c"));
  });
});
