import { historyKey } from "../../src/state/kv-layout.js";
import type { HistoryEntry } from "../../src/state/history-store.js";
import { consulAddr } from "./cluster.js";

interface RawItem {
  Key: string;
  Value: string | null;
  CreateIndex: number;
}

/**
 * A service's history straight from Consul, oldest first, as `HistoryStore.list` reads it: one key
 * per entry under `tagroll/history/<service>/`, in creation order (src/state/history-store.ts).
 */
export async function readHistory(service: string, addr = consulAddr()): Promise<HistoryEntry[]> {
  const res = await fetch(`${addr}/v1/kv/${historyKey(service)}/?recurse`, {
    signal: AbortSignal.timeout(15_000),
  });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`history of ${service}: ${res.status}`);
  const items = ((await res.json()) as RawItem[]).sort((a, b) => a.CreateIndex - b.CreateIndex);
  return items.map((i) => JSON.parse(Buffer.from(i.Value ?? "", "base64").toString()) as HistoryEntry);
}

/** Deletes a service's history: its entries and the one-array key of older versions. */
export async function deleteHistory(service: string, addr = consulAddr()): Promise<void> {
  for (const path of [`${historyKey(service)}/?recurse`, historyKey(service)]) {
    await fetch(`${addr}/v1/kv/${path}`, { method: "DELETE", signal: AbortSignal.timeout(15_000) });
  }
}
