import { randomUUID } from "node:crypto";
import type { ServiceConfig } from "../../config/types.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { KvStore } from "../../kv/kv-store.js";
import { Backoff } from "../../core/backoff.js";
import { LeadershipLostError } from "../leader/index.js";
import { decideNext, type NextAction } from "./next-action.js";
import { requestKey } from "../../state/kv-layout.js";
import type { RestartRequest } from "../model/index.js";
import type { RolloutEngine } from "../engine/index.js";
import { settledDigest, type RolloutRecord } from "../model/index.js";
import type { RolloutRecords } from "../leader/index.js";
import { retrying } from "../steps/index.js";
import type { DigestSync } from "../../supply-chain/digest-sync.js";

export interface ServiceRunnerOptions {
  service: ServiceConfig;
  engine: RolloutEngine;
  records: RolloutRecords;
  kv: KvStore;
  clock: Clock;
  logger: Logger;
  /** The leadership term: the runner stops when it aborts. */
  signal: AbortSignal;
  newId?: () => string;
  /**
   * issue 12: the digest a deploy starts with, resolved and pinned first when the tag was written
   * without it (src/supply-chain/digest-sync.ts); absent = read the digest key as it is.
   */
  pinDigest?: DigestSync;
}

/**
 * One service's rollouts under one leadership term, one at a time. The watcher reports values;
 * `kick` makes the runner look at the persisted record and the newest value and do what
 * `decideNext` says — resume, start, adopt, or nothing — until nothing is left to do. A value
 * arriving while a rollout runs is read by the engine between batches (supersede).
 */
export class ServiceRunner {
  private latest: string | undefined;
  private latestIndex = 0;
  private initial = false;
  private request: { request: RestartRequest; modifyIndex: number } | undefined;
  private dirty = false;
  private running: Promise<void> | undefined;
  private readonly backoff = new Backoff(1_000, 30_000);
  private readonly log: Logger;

  constructor(private readonly o: ServiceRunnerOptions) {
    this.log = o.logger.child({ service: o.service.name });
  }

  /** A value of the service's key, as the watcher saw it. Older indexes are ignored. */
  observe(value: string, modifyIndex: number, initial: boolean): void {
    if (modifyIndex < this.latestIndex) return;
    this.latest = value;
    this.latestIndex = modifyIndex;
    this.initial = initial;
    this.kick();
  }

  requestRestart(request: RestartRequest, modifyIndex: number): void {
    this.request = { request, modifyIndex };
    this.kick();
  }

  /** Looks again; the reconcile sweep calls this to pick up anything stuck. */
  kick(): void {
    this.dirty = true;
    if (!this.running) this.running = this.drain();
  }

  busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once the runner has stopped working (after the term ends). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty && !this.o.signal.aborted) {
        this.dirty = false;
        try {
          await this.step();
          this.backoff.reset();
        } catch (err) {
          if (err instanceof LeadershipLostError || this.o.signal.aborted) return;
          const waitFor = this.backoff.next();
          this.log.error({ err, retryInMs: waitFor }, "rollout loop failed; will look again");
          this.dirty = true;
          await this.o.clock.sleep(waitFor, this.o.signal).catch(() => undefined);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async step(): Promise<void> {
    const record = await retrying(this.o, () => this.o.records.load(this.o.service.name));
    const action = decideNext(record, this.latest, this.initial, this.request?.request);
    if (action.kind === "none") {
      // A request served by an earlier leader that crashed before deleting it.
      if (this.request && record?.requestId === this.request.request.id) await this.clearRequest();
      return;
    }
    this.dirty = true; // a started rollout ends in a state worth looking at again
    if (action.kind === "resume") {
      await this.execute(action.record, true);
      return;
    }
    const fresh = this.newRecord(action);
    const pinned = action.kind === "deploy" ? await this.deployDigest(action.value) : undefined;
    if (pinned && "refused" in pinned) {
      // Nothing restarted: the rollout is recorded as failed, with the reason (history, metric, log).
      await this.o.engine.refuse(fresh, this.o.service, pinned.refused, this.o.signal);
      return;
    }
    // An adopted value keeps the digest beside it too: a first rollout that fails reverts to both.
    const digest = pinned?.digest ?? (await this.pinnedDigest());
    if (digest !== undefined) fresh.digest = digest;
    const before = record && settledDigest(record);
    if (action.kind === "deploy" && before !== undefined && this.o.service.supplyChain?.digestKey) {
      fresh.previousDigest = before;
    }
    await this.o.records.save(fresh);
    if (action.kind === "restart" && this.request) await this.clearRequest();
    if (action.kind === "adopt") {
      this.log.info(
        { value: fresh.value },
        "no rollout record: adopting the current value, nothing restarted",
      );
      return;
    }
    await this.execute(fresh, false);
  }

  private async execute(record: RolloutRecord, resumed: boolean): Promise<void> {
    await this.o.engine.run(record, this.o.service, this.control(), resumed);
  }

  private control() {
    return {
      signal: this.o.signal,
      latest: () => this.latest,
      wrote: (value: string) => {
        this.latest = value;
      },
    };
  }

  private newRecord(action: Exclude<NextAction, { kind: "none" | "resume" }>): RolloutRecord {
    const now = this.o.clock.now();
    const record: RolloutRecord = {
      version: 1,
      id: (this.o.newId ?? randomUUID)(),
      service: this.o.service.name,
      key: this.o.service.key,
      kind: action.kind === "adopt" ? "adopted" : action.kind,
      value: action.value,
      status: action.kind === "adopt" ? "succeeded" : "running",
      superseded: [],
      allocs: [],
      startedAt: now,
      updatedAt: now,
    };
    if (action.kind === "adopt") record.finishedAt = now;
    if (action.previousValue !== undefined) record.previousValue = action.previousValue;
    if (action.kind === "restart") record.requestId = action.requestId;
    return record;
  }

  /**
   * The digest pinned beside the value (README, "Supply chain"), read as the rollout starts: the
   * webhook writes tag, digest and restart request in one transaction, so this is the new one.
   */
  private async pinnedDigest(): Promise<string | undefined> {
    const key = this.o.service.supplyChain?.digestKey;
    if (key === undefined) return undefined;
    return (await retrying(this.o, () => this.o.kv.get(key)))?.value;
  }

  /** The pinned digest of a deploy's value, pinned first if it was written by hand (digest-sync.ts). */
  private async deployDigest(value: string) {
    if (!this.o.pinDigest) return undefined;
    try {
      return await this.o.pinDigest(this.o.service, value);
    } catch (err) {
      // Nothing starts on a stale digest: drain() logs this and looks again with backoff.
      this.log.warn({ value }, "deploy held back until the digest of the new tag can be resolved");
      throw err;
    }
  }

  private async clearRequest(): Promise<void> {
    const pending = this.request;
    if (!pending) return;
    await this.o.kv
      .delete(requestKey(this.o.service.name), { cas: pending.modifyIndex })
      .catch((err: unknown) => this.log.warn({ err }, "could not delete the served restart request"));
    if (this.request === pending) this.request = undefined;
  }
}
