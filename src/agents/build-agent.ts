import { spawn } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AgentPin } from "./pins.js";
import { runCommand } from "./run-command.js";

/**
 * What a build needs to know: an agent pin, or another pinned Go tool (the tests' cosign,
 * test/helpers/cosign-binary.ts) whose main package is not the module root.
 */
export type BuildPin = Pick<AgentPin, "version" | "module" | "moduleVersion" | "localReplacements"> & {
  name: string;
  /** Package to build when it is not the module root, e.g. `…/cosign/v2/cmd/cosign`. */
  mainPackage?: string;
  /** `-ldflags` for the build (e.g. `-X` the version string the tool prints). */
  ldflags?: string;
};

/** Reports build progress; `tagroll dev` prints it, tests log it. */
export type ProgressSink = (line: string) => void;

const MIN_GO = [1, 25] as const;

/**
 * Builds a pinned agent from the Go module proxy into `outPath`.
 * A wrapper module requires the release and restates its go.mod (requires, excludes and replaces,
 * with the nested `./api`-style replacements mapped to published versions), because Go ignores a
 * dependency's replace and exclude lines; the build then resolves exactly the release's versions.
 */
export async function buildAgent(pin: BuildPin, outPath: string, progress: ProgressSink): Promise<void> {
  await assertGoUsable();
  const work = await mkdtemp(join(tmpdir(), `tagroll-build-${pin.name}-`));
  try {
    progress(
      `${pin.name} ${pin.version}: fetching ${pin.module}@${pin.moduleVersion} from the Go module proxy`,
    );
    const info = JSON.parse(
      (
        await runCommand("go", ["mod", "download", "-json", `${pin.module}@${pin.moduleVersion}`], {
          cwd: work,
        })
      ).stdout,
    ) as { GoMod?: string; Error?: string };
    if (!info.GoMod) throw new Error(`go mod download failed: ${info.Error ?? "no go.mod returned"}`);
    const upstream = await readFile(info.GoMod, "utf8");
    await writeFile(join(work, "go.mod"), wrapperGoMod(pin, upstream));
    progress(`${pin.name} ${pin.version}: compiling (this takes a few minutes the first time)`);
    await mkdir(dirname(outPath), { recursive: true });
    const partial = `${outPath}.partial-${process.pid}`;
    await goBuild(work, pin, partial, progress);
    await rename(partial, outPath);
    progress(`${pin.name} ${pin.version}: built ${outPath}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The wrapper module's go.mod: upstream's, renamed, local replacements pinned, release required. */
export function wrapperGoMod(pin: BuildPin, upstream: string): string {
  const renamed = upstream.replace(/^module\s+\S+/m, `module tagroll.local/build-${pin.name}`);
  const pinned = renamed.replace(
    /^(\s*(?:replace\s+)?)(\S+)(\s+=>\s+)(\.\.?\/\S*)[ \t]*$/gm,
    (_line, lead: string, path: string, arrow: string) => {
      const version = pin.localReplacements[path];
      if (!version) {
        throw new Error(
          `${pin.module}@${pin.moduleVersion} replaces ${path} with a local path; add it to pins.ts`,
        );
      }
      return `${lead}${path}${arrow}${path} ${version}`;
    },
  );
  return `${pinned}\nrequire ${pin.module} ${pin.moduleVersion}\n`;
}

function goBuild(work: string, pin: BuildPin, out: string, progress: ProgressSink): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const ldflags = pin.ldflags === undefined ? [] : ["-ldflags", pin.ldflags];
    const args = [
      "build",
      "-v",
      "-mod=mod",
      "-trimpath",
      ...ldflags,
      "-o",
      out,
      pin.mainPackage ?? pin.module,
    ];
    const child = spawn("go", args, {
      cwd: work,
      env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let packages = 0;
    let tail = "";
    // `go build -v` names each package as it compiles: count them for a progress line.
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      packages += text.split("\n").filter((l) => /^[\w.-]+(\/[\w.@-]+)+$/.test(l.trim())).length;
    });
    child.stdout.on("data", (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
    const ticker = setInterval(() => {
      const secs = Math.round((Date.now() - started) / 1000);
      progress(`${pin.name} ${pin.version}: ${packages} packages compiled, ${secs}s`);
    }, 15_000);
    child.on("error", (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on("close", (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go build of ${pin.name} ${pin.version} failed (exit ${code}):\n${tail}`));
    });
  });
}

async function assertGoUsable(): Promise<void> {
  let out: string;
  try {
    out = (await runCommand("go", ["version"])).stdout;
  } catch {
    throw new Error(
      `Go is not installed: install Go >= ${MIN_GO.join(".")} (https://go.dev/dl/), ` +
        "or put consul and nomad on PATH, or set CONSUL_BIN and NOMAD_BIN",
    );
  }
  const m = /go(\d+)\.(\d+)/.exec(out);
  const [major, minor] = [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1])) {
    throw new Error(`found ${out.trim()}; building the agents needs Go >= ${MIN_GO.join(".")}`);
  }
}
