import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { contextSources, execForm, parseDockerfile } from "./dockerfile-instructions.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

const instructions = parseDockerfile(read("Dockerfile"));
const finalStage = Math.max(...instructions.map((i) => i.stage));
const inFinal = (keyword: string) =>
  instructions.filter((i) => i.stage === finalStage && i.keyword === keyword);
const pkg = JSON.parse(read("package.json")) as { bin: Record<string, string>; engines: { node: string } };

describe("Dockerfile", () => {
  it("is multi-stage: named stages, the runtime copying only the build output", () => {
    const froms = instructions.filter((i) => i.keyword === "FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/\sAS\s+[a-z][a-z0-9-]*$/i);
    const fromBuild = inFinal("COPY").filter((i) => i.args.includes("--from="));
    expect(fromBuild.map((i) => i.args)).toContainEqual(expect.stringMatching(/--from=build\s+\S*dist\s/));
  });

  it("builds with dev dependencies and installs only production ones, without scripts, at runtime", () => {
    const build = instructions.filter((i) => i.stage < finalStage && i.keyword === "RUN").map((i) => i.args);
    expect(build.some((cmd) => /\bnpm ci\b/.test(cmd))).toBe(true);
    expect(build.some((cmd) => /\bnpm run build\b/.test(cmd))).toBe(true);
    const runtime = inFinal("RUN").map((i) => i.args);
    expect(runtime).toContainEqual(
      expect.stringMatching(/npm ci .*--omit=dev.*--ignore-scripts|npm ci .*--ignore-scripts.*--omit=dev/),
    );
  });

  it("uses a Node LTS at or above the engines floor", () => {
    const image = /^ARG NODE_IMAGE=(\S+)/m.exec(read("Dockerfile"))?.[1] ?? "";
    const major = Number(/^node:(\d+)-/.exec(image)?.[1]);
    const floor = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    expect(major).toBeGreaterThanOrEqual(floor);
    expect(major % 2).toBe(0); // even majors are the LTS lines (through Node 26)
    expect(image).toMatch(/-slim$/);
  });

  it("runs as a non-root user", () => {
    const users = inFinal("USER");
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)?.args.split(":")[0] ?? "";
    expect(["", "0", "root"]).not.toContain(user);
  });

  it("checks /healthz with node itself, through a script that is copied into the image", () => {
    const [healthcheck] = inFinal("HEALTHCHECK");
    const command = execForm(healthcheck?.args.replace(/^.*?\bCMD\s+/, "") ?? "");
    expect(command?.[0]).toBe("node");
    const script = command?.[1] ?? "";
    const copied = inFinal("COPY").find((i) => i.args.trim().endsWith(script));
    expect(copied, `COPY ... ${script}`).toBeDefined();
    const source = contextSources(copied!)[0] ?? "";
    expect(read(source)).toContain("/healthz");
  });

  it("starts the package's bin with `serve` as the default command", () => {
    expect(execForm(inFinal("ENTRYPOINT")[0]?.args ?? "")).toEqual(["node", pkg.bin.tagroll]);
    expect(execForm(inFinal("CMD")[0]?.args ?? "")).toEqual(["serve"]);
    // dist/cli/main.js is what `npm run build` makes of src/cli/main.ts (rootDir src, outDir dist).
    expect(pkg.bin.tagroll).toBe("dist/cli/main.js");
    expect(existsSync(`${root}src/cli/main.ts`)).toBe(true);
  });

  it("copies only files that exist and that .dockerignore lets into the build context", () => {
    const allowed = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("!"))
      .map((line) => line.slice(1).replace(/\/$/, ""));
    expect(read(".dockerignore")).toMatch(/^\*$/m); // allow-list: everything else stays out
    const sources = instructions.filter((i) => i.keyword === "COPY").flatMap(contextSources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const path = source.replace(/^\.\//, "").replace(/\/$/, "");
      expect(existsSync(`${root}${path}`), path).toBe(true);
      expect(allowed, `.dockerignore must allow ${path}`).toContain(path);
    }
  });
});
