import type { Logger } from "../core/logger.js";
import type { KvStore } from "../kv/kv-store.js";
import { TAGROLL_WRITE_FLAGS } from "./desired-tag-writer.js";
import type { HistoryStore } from "./history-store.js";

/** The slice of the coordinator's events this needs (src/coordinator/rollout-observer.ts). */
interface ValueChange {
  service: string;
  value: string;
  previousValue?: string;
}

export interface ExternalEditsOptions {
  /** Each service's desired-value key. */
  services: ReadonlyArray<{ name: string; key: string }>;
  kv: KvStore;
  history: HistoryStore;
  log: Logger;
}

/**
 * Records values written outside tagroll (`consul kv put configs/web/IMAGE_TAG v3`) as `operator`
 * entries in the service's history, with the write's Consul ModifyIndex, so `tagroll history`
 * says who asked for the value. Webhooks, `tagroll deploy`, rollback and revert record their own
 * entries and mark their writes with `TAGROLL_WRITE_FLAGS`; a value without those Flags came from
 * elsewhere. Listens to the leader's rollout events: a value that starts or supersedes a rollout
 * is a change the coordinator acted on, whoever wrote it.
 */
export class ExternalEdits {
  private readonly keys: Map<string, string>;

  constructor(private readonly o: ExternalEditsOptions) {
    this.keys = new Map(o.services.map((s) => [s.name, s.key]));
  }

  onRolloutStarted(event: ValueChange & { kind: string; resumed: boolean }): void {
    // A resumed rollout was recorded when it started; a restart or an adoption changes no value.
    if (event.kind === "deploy" && !event.resumed) this.check(event);
  }

  onRolloutSuperseded(event: { service: string; from: string; to: string }): void {
    this.check({ service: event.service, value: event.to, previousValue: event.from });
  }

  private check(change: ValueChange): void {
    void this.record(change).catch((err: unknown) =>
      this.o.log.warn({ err, service: change.service }, "could not record an edit made outside tagroll"),
    );
  }

  /** Appends the entry once per write (its id is the ModifyIndex); resolves whether it did. */
  async record(change: ValueChange): Promise<boolean> {
    const key = this.keys.get(change.service);
    if (key === undefined) return false;
    const entry = await this.o.kv.get(key);
    // Changed again since: the newer value gets its own event.
    if (entry === undefined || entry.value !== change.value) return false;
    if (entry.flags === TAGROLL_WRITE_FLAGS) return false;
    await this.o.history.append(change.service, {
      id: `consul-kv-${entry.modifyIndex}`,
      kind: "operator",
      tag: change.value,
      ...(change.previousValue !== undefined && { previous: change.previousValue }),
      source: "consul-kv",
      outcome: "written",
      modifyIndex: entry.modifyIndex,
      message: `written to ${key} outside tagroll (Consul ModifyIndex ${entry.modifyIndex})`,
    });
    return true;
  }
}
