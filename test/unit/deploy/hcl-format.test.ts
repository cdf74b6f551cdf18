import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { NOMAD_PIN } from "../../../src/agents/pins.js";
import { resolveBinary } from "../../../src/agents/resolve-binary.js";
import { runCommand } from "../../../src/agents/run-command.js";

const deploy = fileURLToPath(new URL("../../../deploy/", import.meta.url));

/** Every HCL file of deploy/ outside demo/ (owned elsewhere): jobs and ACL policies. */
const files = [
  ...readdirSync(deploy).filter((name) => name.endsWith(".hcl")),
  ...readdirSync(`${deploy}acl`)
    .filter((name) => name.endsWith(".hcl"))
    .map((name) => `acl/${name}`),
];

describe("HCL under deploy/", () => {
  it("covers the tagroll job, the example job and both ACL policies", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "tagroll.nomad.hcl",
        "example-web.nomad.hcl",
        "acl/consul-tagroll.hcl",
        "acl/nomad-tagroll.hcl",
      ]),
    );
  });

  // `nomad fmt -check` parses with the real HCL parser, offline, and exits 1 on a syntax error
  // or on formatting that differs from the canonical one.
  it.each(files)("%s parses and is in canonical format (nomad fmt -check)", async (file) => {
    const nomad = await resolveBinary(NOMAD_PIN, { allowBuild: false });
    // Rejects (with nomad's output in the message) when the exit code is not 0.
    const result = await runCommand(nomad.path, ["fmt", "-check", `${deploy}${file}`], { timeoutMs: 30_000 });
    expect(result).toEqual({ stdout: "", stderr: "" });
  });
});
