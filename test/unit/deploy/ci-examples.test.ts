import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";

const ci = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../deploy/ci/${name}`, import.meta.url)), "utf8");

interface Step {
  name?: string;
  run?: string;
  commands?: string[];
}

/** The shell that posts to tagroll, taken from each CI file exactly as the CI would run it. */
const deployScripts: Record<string, string> = {
  "github-actions.yml": (() => {
    const doc = parse(ci("github-actions.yml")) as { jobs: Record<string, { steps: Step[] }> };
    const steps = Object.values(doc.jobs).flatMap((job) => job.steps);
    return steps.find((step) => step.run?.includes("curl"))?.run ?? "";
  })(),
  "gitlab-ci.yml": (
    (parse(ci("gitlab-ci.yml")) as { deploy: { script: string[] } }).deploy.script ?? []
  ).join("\n"),
  "drone.yml": (
    (parse(ci("drone.yml")) as { steps: Step[] }).steps.find((step) => step.name === "deploy")?.commands ?? []
  ).join("\n"),
};

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server | undefined;

/** A stand-in for tagroll's POST /hooks/<token>: answers `statuses` in turn, then the last one. */
async function fakeTagroll(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 500;
      res.writeHead(status, status === 503 ? { "retry-after": "1" } : {}).end(`{"status":${status}}`);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tok.en-1`, received };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function runScript(script: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-e", "-c", script], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

/** Runs a CI file's deploy script against a fake tagroll answering `statuses`. */
async function deployAgainst(script: string, statuses: number[], auth: string) {
  const tagroll = await fakeTagroll(statuses);
  const env = { ...ciEnv, TAGROLL_WEBHOOK_URL: tagroll.url, TAGROLL_WEBHOOK_AUTH: auth };
  return { code: await runScript(script, env), received: tagroll.received };
}

const IMAGE = "registry.example.com/acme/web";
const TAG = "release-20260103082900";
/** What each CI defines itself; the test stands in for the CI's variables and secrets. */
const ciEnv = { IMAGE, TAG, DRONE_BUILD_NUMBER: TAG };

describe.each(Object.keys(deployScripts))("deploy/ci/%s", (file) => {
  const script = deployScripts[file] ?? "";

  it("has a deploy step that calls curl", () => {
    expect(script).toMatch(/\bcurl\b/);
  });

  it("posts {image, tag} as JSON with the auth header, retrying a 503", async () => {
    const { code, received } = await deployAgainst(script, [503, 202], "Bearer ci-secret");
    expect(code).toBe(0);
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request.method).toBe("POST");
      expect(request.url).toBe("/hooks/tok.en-1");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers.authorization).toBe("Bearer ci-secret");
      expect(JSON.parse(request.body)).toEqual({ image: IMAGE, tag: TAG });
    }
  });

  it("sends no Authorization header when the optional secret is empty", async () => {
    const { code, received } = await deployAgainst(script, [202], "");
    expect(code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it("fails the job on a 4xx without retrying it", async () => {
    const { code, received } = await deployAgainst(script, [404], "");
    expect(code).not.toBe(0);
    expect(received).toHaveLength(1);
  });
});
