import { checkRegistries } from "../../../src/check/registry-check.js";
import type { TagrollConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { capturingLogger } from "../../helpers/tagroll.js";

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
