import { expect } from "vitest";
import { checkRegistries } from "../../../src/check/registry-check.js";
import type { TagrollConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { capturingLogger } from "../../helpers/tagroll.js";
import { history, modifyIndex } from "../ingress/kv-probe.js";
import { getJsonFrom, runningAllocsOn } from "../../helpers/multi-node.js";

/** What the supply-chain tests send and ask: a generic push webhook, and `tagroll check`'s registry findings. */

export interface HookReply {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a generic `{ image, tag }` push to a webhook URL (`/hooks/<token>`). */
export async function postPush(url: string, image: string, tag: string): Promise<HookReply> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ image, tag }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** checkRegistries (src/check/registry-check.ts) for `config`, as `rule: message` lines. */
export async function registryFindings(config: TagrollConfig): Promise<string[]> {
  const kv = new ConsulKvStore(config.consul);
  try {
    const findings = await checkRegistries(config, { kv, clock: systemClock, log: capturingLogger().log });
    return findings.map((f) => `${f.rule}: ${f.message}`);
  } finally {
    kv.close();
  }
}

/** The `registries:` block giving tagroll the test registry's Basic credentials (env TEST_REGISTRY_PASSWORD). */
export function registriesYaml(port: number, user: string): string[] {
  return [
    "registries:",
    `  - { host: "127.0.0.1:${port}", insecure: true, username: ${user}, passwordEnv: TEST_REGISTRY_PASSWORD }`,
  ];
}

/** Runs `action` and asserts that none of `keys` moved and `service` got no history entry. */
export async function expectWritesNothing(
  service: string,
  keys: readonly string[],
  action: () => Promise<void>,
): Promise<void> {
  const indexes = () => Promise.all(keys.map((key) => modifyIndex(key)));
  const before = await indexes();
  const entries = (await history(service)).length;
  await action();
  expect(await indexes()).toEqual(before);
  expect(await history(service)).toHaveLength(entries);
}

/** What each running allocation of `jobId` was started with (the demo app reports its tag and digest). */
export async function servedBy(
  nomadAddr: string,
  jobId: string,
): Promise<Array<{ tag: string; digest: string | null }>> {
  const allocs = await runningAllocsOn(nomadAddr, jobId);
  return Promise.all(
    allocs.map(async (a) => {
      const alloc = await getJsonFrom<{
        AllocatedResources: { Shared: { Ports: Array<{ Label: string; Value: number; HostIP: string }> } };
      }>(nomadAddr, `/v1/allocation/${a.ID}`);
      const port = alloc.AllocatedResources.Shared.Ports.find((p) => p.Label === "http")!;
      return getJsonFrom<{ tag: string; digest: string | null }>(`http://${port.HostIP}:${port.Value}`, "/");
    }),
  );
}
