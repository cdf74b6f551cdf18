import type { Clock } from "../core/clock.js";
import { AuthError, ConflictError, ForbiddenError, UpstreamUnavailableError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { PushEvent } from "../core/push-event.js";
import type { ServiceConfig } from "../config/types.js";
import { compareTags, evaluateTag } from "../policy/index.js";
import { parsePush } from "../webhooks/parse-push.js";
import { repositoryMatches } from "../webhooks/tag-grammar.js";
import { acceptedMediaType, parseJsonBody } from "./content-type.js";
import type { HookReply, HookRequest } from "./hook-request.js";
import type { PushWriter } from "./push-write.js";
import type { SupplyChainGate } from "../supply-chain/supply-chain-gate.js";
import { admitPush, pinOf } from "./supply-chain-step.js";

/**
 * Senders that notify one endpoint about every repository of the registry (a Distribution
 * `notifications` endpoint, a Harbor project policy) and retry anything but a 2xx forever: a 403
 * for another repository's push would block the endpoint's queue for good (seen with
 * docker-registry 2.8.2). Their other repositories are ignored with a 200; nothing is written
 * either way, and every other sender still gets the 403.
 */
const REGISTRY_WIDE: ReadonlySet<string> = new Set(["distribution", "harbor"]);

export type WebhookOutcome =
  | "accepted"
  | "ignored"
  | "rejected_by_policy"
  | "duplicate"
  // issue 12: no signature by a configured key, or the tag is not in the registry
  | "unverified";

/** Told about every webhook that got as far as a service (metrics hook in here). */
export interface IngressObserver {
  onWebhook(event: WebhookObservation): void;
}

export interface WebhookObservation {
  service: string;
  source: string;
  outcome: WebhookOutcome;
  /** The transaction(s) writing the desired tag until Consul committed one; set when a tag was written. */
  kvWriteMs?: number;
}

export interface PushReceiverDeps {
  services: readonly ServiceConfig[];
  /** Resolves the token's service name; throws AuthError for anything not a valid, live token. */
  verifyToken: (token: string) => Promise<{ service: string; jti: string }>;
  /** The one-transaction write of a push (push-write.ts). */
  writer: PushWriter;
  clock: Clock;
  log: Logger;
  observer?: IngressObserver;
  /** issue 12: digest resolution and signature checks, for services with `supplyChain`. */
  gate?: SupplyChainGate;
}

/**
 * The webhook core (ARCHITECTURE.md, "Ingress"): token → content type → JSON → parse → repository →
 * one transaction: revocation and dedupe checks, policy-checked CAS write, history. Throws typed errors; the route maps them.
 */
export class PushReceiver {
  private readonly services: Map<string, ServiceConfig>;

  constructor(private readonly deps: PushReceiverDeps) {
    this.services = new Map(deps.services.map((s) => [s.name, s]));
  }

  async handle(req: HookRequest): Promise<HookReply> {
    const { service: name, jti } = await this.deps.verifyToken(req.token);
    const service = this.services.get(name);
    if (!service) throw new AuthError();

    const contentType = acceptedMediaType(req.contentType);
    const body = parseJsonBody(req.rawBody);
    const delivery = parsePush(
      { headers: req.headers, body, rawBody: req.rawBody, contentType },
      { pinned: service.source, secrets: service.secrets, now: new Date(this.deps.clock.now()) },
    );
    const done = (
      outcome: WebhookOutcome,
      status: number,
      extra: Record<string, unknown>,
      kvWriteMs?: number,
    ): HookReply => {
      this.deps.observer?.onWebhook({
        service: name,
        source: delivery.source,
        outcome,
        ...(kvWriteMs !== undefined && { kvWriteMs }),
      });
      // One line per webhook; no child logger per request (pino's child costs more than the line).
      this.deps.log.info({ service: name, source: delivery.source, outcome, ...extra }, "webhook");
      return { status, body: { status: outcome, service: name, ...extra } };
    };

    if (delivery.events.length === 0) return done("ignored", 200, { reasons: delivery.ignored });
    const mine = delivery.events.filter((e) => repositoryMatches(e.repository, service.image));
    const foreign = delivery.events.find((e) => !repositoryMatches(e.repository, service.image));
    if (foreign && !REGISTRY_WIDE.has(delivery.source)) {
      throw new ForbiddenError(
        `repository ${JSON.stringify(foreign.repository.slice(0, 200))} is not ${service.image}, the image of service ${name}`,
      );
    }
    if (mine.length === 0) {
      return done("ignored", 200, {
        reasons: [`repository is not ${service.image}, the image of service ${name}`],
      });
    }
    const event = this.newest(service, mine);

    // The delivery record, the revocation check, the value and its history entry all go in one
    // Consul transaction (push-write.ts): a record cannot outlive a write that failed, so a
    // sender's retry is never dropped as a duplicate of a push that was lost.
    const { deliveryId } = event;
    // issue 12: resolve the digest and check its signature before anything is written.
    const admission = await admitPush(this.deps.gate, service, event);
    if (admission && !admission.admitted) {
      return done("unverified", 200, { tag: event.tag, reason: admission.reason, refused: admission.kind });
    }
    const pin = admission && pinOf(service, event.tag, admission.digest);
    let result;
    const writeStarted = this.deps.clock.now();
    try {
      result = await this.deps.writer.write({
        service: name,
        key: service.key,
        jti,
        ...(deliveryId !== undefined && { delivery: { source: event.source, id: deliveryId } }),
        decide: (current) => {
          if (current === event.tag) return { skip: "already the desired value" };
          const verdict = evaluateTag(service.policy, event.tag, current);
          return verdict.accept ? { write: event.tag } : { skip: verdict.reason };
        },
        entry: (tag, previous) => ({
          kind: "push",
          tag,
          ...(previous !== undefined ? { previous } : {}),
          source: event.source,
          ...(pin && { digest: pin.digest }),
        }),
        ...(pin && { pin }),
      });
    } catch (err) {
      // Out of CAS rounds under a burst of pushes: a 503 makes the registry retry; a 409 would not.
      if (err instanceof ConflictError)
        throw new UpstreamUnavailableError("consul", `${err.message}; retry later`);
      throw err;
    }
    if (result.outcome === "seen") {
      return done("duplicate", 200, { tag: event.tag, reason: "delivery already processed" });
    }
    if (result.outcome === "skipped") {
      const outcome = result.reason === "already the desired value" ? "duplicate" : "rejected_by_policy";
      return done(outcome, 200, { tag: event.tag, reason: result.reason });
    }
    const kvWriteMs = this.deps.clock.now() - writeStarted;
    const reply = {
      tag: result.value,
      previous: result.previous ?? null,
      key: service.key,
      ...(pin && { digest: pin.digest }),
    };
    return done("accepted", 202, reply, kvWriteMs);
  }

  /** Of several tags in one delivery, the newest by the service's policy (last one if unordered). */
  private newest(service: ServiceConfig, events: PushEvent[]): PushEvent {
    return events.reduce((best, e) => (compareTags(service.policy, e.tag, best.tag) > 0 ? e : best));
  }
}
