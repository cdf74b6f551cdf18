import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { memoryFiles, SECRET_A } from "./config-fixtures.js";

const example = fileURLToPath(new URL("../../../deploy/tagroll.example.yaml", import.meta.url));

describe("deploy/tagroll.example.yaml", () => {
  it("is a valid configuration (the reference stays in step with the schema)", () => {
    const readFile = memoryFiles({
      "/etc/tagroll/tagroll.yaml": readFileSync(example, "utf8"),
      "/etc/tagroll/signing-keys": `k2026a:${SECRET_A}\n`,
      "/etc/tagroll/secrets/web-ghcr": "ghcr-hmac\n",
      "/etc/tagroll/tls/tls.crt": "CERT",
      "/etc/tagroll/tls/tls.key": "KEY",
    });
    const config = loadConfig({ cwd: "/srv", env: {}, readFile });
    expect(config.services.map((service) => [service.name, service.key, service.policy.order])).toEqual([
      ["web", "configs/web/IMAGE_TAG", "semver"],
      ["api", "configs/api/IMAGE_TAG", "timestamp"],
    ]);
    expect(config.services[0]?.secrets).toEqual({ ghcr: "ghcr-hmac" });
    expect(config.server.publicUrl).toBe("https://tagroll.example.com");
    expect(config.activeKeyId).toBe("k2026a");
  });
});
