import { setMaxListeners } from "node:events";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { KvStore } from "../../kv/kv-store.js";
import { Backoff } from "../../core/backoff.js";
import { abortable, LeadershipLostError } from "./leadership.js";

/** One period of leadership. Every rollout step checks `signal` before it acts. */
export interface LeadershipTerm {
  signal: AbortSignal;
  session: string;
}

export interface LeaderElectionOptions {
  kv: KvStore;
  clock: Clock;
  logger: Logger;
  /** The lock key, `tagroll/leader` by default config. */
  key: string;
  /** Session TTL as Consul takes it, e.g. "15s" (10s..86400s). */
  ttl: string;
  /** Lock-delay after our session ends; small so a successor need not wait 15 s. */
  lockDelay?: string;
  /** Written into the lock key so operators see who leads. */
  instanceId: string;
}

/**
 * Leader election on a Consul session holding one key (ARCHITECTURE.md, "Leadership"; Consul's
 * "Application leader election" guide): a session with behaviour `release`, `acquire` on the key,
 * renewals every TTL/3, and a clean `release` + destroy on shutdown so a successor starts at once.
 * Leadership is given up — the term's signal aborts — as soon as a renewal says the session is
 * gone, the key names another session, or no renewal has succeeded for a whole TTL.
 */
export class LeaderElection {
  private session: string | undefined;
  private renewedAt = 0;
  private leading = false;
  private readonly ttlMs: number;
  /** When this instance last won the key, as written into it. */
  private since = "";
  /** What the leader adds to the key for this term (note()). */
  private notes: Record<string, unknown> = {};
  private noting: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectionOptions) {
    this.ttlMs = parseSeconds(options.ttl);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until `stop` aborts. Each time this instance wins, `lead` runs with the term; it
   * must return once the term's signal aborts. Resolves after resigning.
   */
  async run(lead: (term: LeadershipTerm) => Promise<void>, stop: AbortSignal): Promise<void> {
    const { kv, clock, logger, key, instanceId } = this.options;
    const backoff = new Backoff(500, 10_000);
    while (!stop.aborted) {
      try {
        const session = await this.ensureSession();
        this.since = new Date(clock.now()).toISOString();
        this.notes = {};
        if (await kv.acquire(key, this.payload(instanceId), session)) {
          backoff.reset();
          await this.hold(session, lead, stop);
        } else {
          await this.waitForVacancy(stop);
        }
      } catch (err) {
        if (stop.aborted) break;
        this.session = undefined;
        const waitFor = backoff.next();
        logger.warn({ err, retryInMs: waitFor }, "leader election failed; retrying");
        await clock.sleep(waitFor, stop).catch(() => undefined);
      }
    }
    await this.resign();
  }

  /**
   * Adds `fields` to the lock key's value while this instance leads (the state of Nomad's event
   * stream), so `tagroll status` on any instance shows it. Re-acquiring a key one's own session
   * holds only rewrites its value. A failed write is logged; the next note writes everything.
   */
  note(fields: Record<string, unknown>): Promise<void> {
    Object.assign(this.notes, fields);
    // One write at a time, each with everything noted so far: the last write holds the last state.
    this.noting = this.noting.then(() => this.writeNotes());
    return this.noting;
  }

  private async writeNotes(): Promise<void> {
    const session = this.session;
    if (!this.leading || session === undefined) return;
    const { kv, key, instanceId, logger } = this.options;
    await kv
      .acquire(key, this.payload(instanceId), session)
      .then((held) => {
        if (!held) logger.warn("could not note the leader's state: the key is held by another session");
      })
      .catch((err: unknown) => logger.warn({ err }, "could not note the leader's state in the leader key"));
  }

  private payload(instanceId: string): string {
    return JSON.stringify({ instance: instanceId, since: this.since, ...this.notes });
  }

  private async hold(
    session: string,
    lead: (term: LeadershipTerm) => Promise<void>,
    stop: AbortSignal,
  ): Promise<void> {
    const { logger } = this.options;
    const term = new AbortController();
    // Every wait of every rollout listens on the term: more than Node's default 10 is normal.
    setMaxListeners(0, term.signal);
    const onStop = () => term.abort(new LeadershipLostError("coordinator stopping"));
    stop.addEventListener("abort", onStop, { once: true });
    this.leading = true;
    this.renewedAt = this.options.clock.now();
    logger.info({ session }, "became leader");
    const keepAlive = Promise.all([this.renewLoop(session, term), this.watchdog(term)]);
    try {
      await lead({ signal: term.signal, session });
    } finally {
      if (!term.signal.aborted) term.abort(new LeadershipLostError("leader work ended"));
      this.leading = false;
      stop.removeEventListener("abort", onStop);
      await keepAlive;
      logger.warn({ reason: (term.signal.reason as Error).message }, "leadership ended");
      // Unless the session is known dead, hand the key back so another instance can lead.
      if (!stop.aborted && this.session)
        await this.options.kv.release(this.options.key, session).catch(() => false);
    }
  }

  /** Renews every TTL/3 and checks the key still names our session. */
  private async renewLoop(session: string, term: AbortController): Promise<void> {
    const { kv, clock, key } = this.options;
    const every = Math.max(1_000, Math.floor(this.ttlMs / 3));
    let delay = every;
    while (!term.signal.aborted) {
      if (!(await abortable(clock.sleep(delay, term.signal)))) return;
      try {
        const alive = await kv.renewSession(session);
        const holder = alive ? (await kv.get(key))?.session : undefined;
        if (term.signal.aborted) return;
        if (holder !== session) {
          if (!alive) this.session = undefined;
          term.abort(new LeadershipLostError(alive ? "lock taken away" : "session expired"));
          return;
        }
        this.renewedAt = clock.now();
        delay = every;
      } catch (err) {
        this.options.logger.warn({ err }, "session renewal failed");
        delay = Math.min(1_000, every);
      }
    }
  }

  /** Gives up leadership once a whole TTL has passed without a successful renewal. */
  private async watchdog(term: AbortController): Promise<void> {
    const { clock } = this.options;
    while (!term.signal.aborted) {
      const left = this.renewedAt + this.ttlMs - clock.now();
      if (left <= 0) {
        this.session = undefined;
        term.abort(new LeadershipLostError("no session renewal within the TTL"));
        return;
      }
      if (!(await abortable(clock.sleep(left, term.signal)))) return;
    }
  }

  /** A follower's session is renewed between attempts, or replaced when it has expired. */
  private async ensureSession(): Promise<string> {
    const { kv, clock, ttl, lockDelay = "1s", instanceId } = this.options;
    if (this.session && clock.now() - this.renewedAt < this.ttlMs / 3) return this.session;
    if (this.session && (await kv.renewSession(this.session))) {
      this.renewedAt = clock.now();
      return this.session;
    }
    this.session = await kv.createSession({
      name: `tagroll-leader-${instanceId}`,
      ttl,
      behavior: "release",
      lockDelay,
    });
    this.renewedAt = clock.now();
    return this.session;
  }

  /** Blocks until the lock key changes (holder released or expired), or briefly when it is free. */
  private async waitForVacancy(stop: AbortSignal): Promise<void> {
    const { kv, clock, key } = this.options;
    // One snapshot for both the holder and the index: the blocking query is on a prefix, so a
    // sibling key (`tagroll/leader-old`) may raise its index above the lock key's ModifyIndex.
    const { entries, index } = await kv.list(key);
    if (entries.find((e) => e.key === key)?.session) {
      await kv.watchList(key, index, Math.floor(this.ttlMs / 3), stop);
    } else {
      // Free yet refused: the previous holder's lock-delay is running. Try again shortly.
      await clock.sleep(250, stop);
    }
  }

  private async resign(): Promise<void> {
    const { kv, key, logger } = this.options;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    await kv.release(key, session).catch(() => false);
    await kv
      .destroySession(session)
      .catch((err: unknown) => logger.warn({ err }, "destroying session failed"));
  }
}

/** "15s", "1m", "500ms" → milliseconds. */
export function parseSeconds(duration: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration.trim());
  if (!match) throw new Error(`not a duration: ${duration}`);
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * factor;
}
