import { inject } from "vitest";
import type { HistoryEntry } from "../../../src/state/history-store.js";
import { folderPrefix } from "../../../src/state/kv-layout.js";
import { deleteHistory, readHistory } from "../../helpers/history.js";

/**
 * Direct reads of Consul KV for assertions (never through tagroll's own client, so a bug there
 * cannot hide itself). Every function takes the agent address, default the shared dev agent.
 */

const base = (addr?: string) => addr ?? inject("consulAddr");

async function kvFetch(path: string, addr?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base(addr)}/v1/kv/${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
}

/** The key's ModifyIndex, or 0 when it does not exist: "untouched" means this did not move. */
export async function modifyIndex(key: string, addr?: string): Promise<number> {
  const res = await kvFetch(key, addr);
  if (res.status === 404) return 0;
  const [entry] = (await res.json()) as Array<{ ModifyIndex: number }>;
  return entry?.ModifyIndex ?? 0;
}

/** The key's value, or undefined when it does not exist. */
export async function kvValue(key: string, addr?: string): Promise<string | undefined> {
  const res = await kvFetch(`${key}?raw`, addr);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`KV get ${key}: ${res.status}`);
  return res.text();
}

/** Keys under `prefix` (recursive), sorted. */
export async function keysUnder(prefix: string, addr?: string): Promise<string[]> {
  const res = await kvFetch(`${prefix}?keys`, addr);
  if (res.status === 404) return [];
  return ((await res.json()) as string[]).sort();
}

export async function history(service: string, addr?: string): Promise<HistoryEntry[]> {
  return readHistory(service, base(addr));
}

export async function deleteKeys(keys: Iterable<string>, addr?: string): Promise<void> {
  for (const key of keys) await kvFetch(key, addr, { method: "DELETE" });
}

/**
 * Remembers which keys exist under tagroll's shared folders (deliveries, tokens, revoked) and
 * deletes, on `cleanup()`, the ones a test added: their names are hashes or random ids the test
 * cannot know in advance.
 */
export async function snapshotSharedKeys(addr?: string): Promise<{ cleanup(): Promise<void> }> {
  const folders = [folderPrefix("deliveries"), folderPrefix("tokens"), folderPrefix("revoked")];
  const before = new Set((await Promise.all(folders.map((f) => keysUnder(f, addr)))).flat());
  return {
    async cleanup() {
      const after = (await Promise.all(folders.map((f) => keysUnder(f, addr)))).flat();
      await deleteKeys(
        after.filter((key) => !before.has(key)),
        addr,
      );
    },
  };
}

/** Deletes a service's desired-state folder and its history. */
export async function cleanService(service: string, key: string, addr?: string): Promise<void> {
  const folder = key.slice(0, key.lastIndexOf("/") + 1) || key;
  await kvFetch(`${folder}?recurse`, addr, { method: "DELETE" });
  await deleteHistory(service, base(addr));
}
