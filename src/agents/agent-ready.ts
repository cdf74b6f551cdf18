import type { AgentProcess } from "./agent-process.js";

/**
 * Polls `ready` until it says true, the agent exits, or `timeoutMs` passes; the last probe error
 * goes into the timeout message.
 */
export async function waitUntil(
  agent: AgentProcess,
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "not ready";
  while (Date.now() < deadline) {
    const exited = agent.exitReason();
    if (exited) throw new Error(`${exited} during start-up`);
    try {
      if (await ready()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${agent.name} not ready after ${timeoutMs} ms (${lastError})`);
}

/** The Nomad node is ready, eligible and has a healthy raw_exec driver (the demo job's). */
export async function nomadNodeReady(nomadAddr: string, token?: string): Promise<boolean> {
  const nodes = (await getJson(`${nomadAddr}/v1/nodes`, token)) as Array<{
    ID: string;
    Status: string;
    SchedulingEligibility: string;
  }>;
  const node = nodes.find((n) => n.Status === "ready" && n.SchedulingEligibility === "eligible");
  if (!node) return false;
  const detail = (await getJson(`${nomadAddr}/v1/node/${node.ID}`, token)) as {
    Drivers?: Record<string, { Healthy?: boolean }>;
  };
  return detail.Drivers?.raw_exec?.Healthy === true;
}

/** A GET with an optional Nomad token; the header is ignored by Consul's status endpoints. */
export async function getJson(url: string, nomadToken?: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: nomadToken ? { "x-nomad-token": nomadToken } : {},
    signal: AbortSignal.timeout(2_000),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}
