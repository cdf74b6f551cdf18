import { randomBytes } from "node:crypto";
import { Router } from "express";
import type { SigningKey } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { observeAll, type RolloutObserver } from "../coordinator/index.js";
import { verifyAdminToken } from "../tokens/index.js";
import { EventHub } from "./event-hub.js";
import { statusPageCsp, statusPageHtml } from "./page-html.js";
import { requireScope, type Authorize } from "./require-scope.js";
import { snapshotter, type HistorySource, type StatusSource } from "./status-snapshot.js";

export interface StatusPageOptions {
  /** `Operations` (its status()). */
  operations: StatusSource;
  /** `HistoryStore` (its list()). */
  history: HistorySource;
  /** Keys API tokens are verified with (config.keys). */
  keys: readonly SigningKey[];
  logger: Logger;
  clock: Clock;
  /** Replaces the default check (verifyAdminToken), e.g. to also honour revocations. */
  authorize?: Authorize;
  /** History entries per service in a snapshot. Default 10. */
  recentHistory?: number;
  heartbeatMs?: number;
}

/** The token behind a `/status/data` request: the page shows only the actions its scopes allow. */
export interface Viewer {
  subject: string;
  scopes: string[];
}

export interface StatusPage {
  /** `GET /`, `GET /status/data`, `GET /status/events`; mount at `/`. */
  router: Router;
  /** Pass in `startRuntime({ observers })`: every coordinator event goes to open streams. */
  observer: RolloutObserver;
  /** Ends open event streams. Call before closing the HTTP server, which waits for them. */
  close(): void;
}

/** The live status page (README, "Admin API, status page, metrics"). */
export function createStatusPage(o: StatusPageOptions): StatusPage {
  const logger = o.logger.child({ component: "status-page" });
  const hub = new EventHub({
    clock: o.clock,
    logger,
    ...(o.heartbeatMs !== undefined && { heartbeatMs: o.heartbeatMs }),
  });
  const snapshot = snapshotter({
    operations: o.operations,
    history: o.history,
    clock: o.clock,
    ...(o.recentHistory !== undefined && { recentHistory: o.recentHistory }),
  });
  const authorize: Authorize = o.authorize ?? ((token) => verifyAdminToken(token, o.keys, o.clock));
  const read = requireScope(authorize, "read");

  const router = Router();
  router.get("/", (_req, res) => {
    const nonce = randomBytes(16).toString("base64");
    res.setHeader("Content-Security-Policy", statusPageCsp(nonce));
    res.setHeader("Cache-Control", "no-store");
    res.type("html").send(statusPageHtml(nonce));
  });
  router.get("/status/data", read, async (_req, res) => {
    const data = await snapshot();
    res.setHeader("Cache-Control", "no-store");
    // Per response, not in the shared snapshot: who is looking, and what their token may do.
    res.json({ ...data, viewer: res.locals["viewer"] as Viewer });
  });
  router.get("/status/events", read, (req, res) => {
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    // nginx and friends buffer responses unless told otherwise; a buffered stream is not live.
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    req.socket.setNoDelay(true);
    hub.add(res);
    logger.debug({ streams: hub.size }, "status stream opened");
  });

  return {
    router,
    observer: observeAll((event) => hub.publish(event)),
    close: () => hub.close(),
  };
}
