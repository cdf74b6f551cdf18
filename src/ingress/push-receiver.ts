import type { Clock } from "../core/clock.js";
import { AuthError, ConflictError, ForbiddenError, UpstreamUnavailableError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { PushEvent } from "../core/push-event.js";
import type { ServiceConfig } from "../config/types.js";
import type { KvStore } from "../kv/kv-store.js";
import { compareTags, evaluateTag } from "../policy/index.js";
import type { DeliveryStore } from "../state/delivery-store.js";
import { writeDesiredTag } from "../state/desired-tag-writer.js";
import type { HistoryStore } from "../state/history-store.js";
import { parsePush } from "../webhooks/parse-push.js";
import { repositoryMatches } from "../webhooks/tag-grammar.js";
import { acceptedMediaType, parseJsonBody } from "./content-type.js";
import { admitPush, digestFields, writeDesired } from "./supply-chain-step.js";
import type { SupplyChainGate } from "../supply-chain/supply-chain-gate.js";
import type { HookReply, HookRequest } from "./hook-request.js";

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
  /** Read + CAS write of the desired tag until Consul acknowledged it; set when a tag was written. */
  kvWriteMs?: number;
}

export interface PushReceiverDeps {
  services: readonly ServiceConfig[];
  /** Resolves the token's service name; throws AuthError for anything not a valid, live token. */
  verifyToken: (token: string) => Promise<{ service: string; jti: string }>;
  kv: KvStore;
  history: HistoryStore;
  deliveries: DeliveryStore;
  clock: Clock;
  log: Logger;
  observer?: IngressObserver;
  /** issue 12: digest resolution and signature checks, for services with `supplyChain`. */
  gate?: SupplyChainGate;
}

/**
 * The webhook core (ARCHITECTURE.md, "Ingress"): token → content type → JSON → parse → repository →
 * dedupe → policy-checked CAS write → history. Throws typed errors; the route maps them.
 */
export class PushReceiver {
  private readonly services: Map<string, ServiceConfig>;

  constructor(private readonly deps: PushReceiverDeps) {
    this.services = new Map(deps.services.map((s) => [s.name, s]));
  }

  async handle(req: HookRequest): Promise<HookReply> {
    const { service: name } = await this.deps.verifyToken(req.token);
    const service = this.services.get(name);
    if (!service) throw new AuthError();
    const log = this.deps.log.child({ service: name });

    const contentType = acceptedMediaType(req.contentType);
    const body = parseJsonBody(req.rawBody);
    const delivery = parsePush(
      { headers: req.headers, body, rawBody: req.rawBody, contentType },
      { pinned: service.source, secrets: service.secrets, now: new Date(this.deps.clock.now()) },
    );
    let kvWriteMs: number | undefined;
    const done = (outcome: WebhookOutcome, status: number, extra: Record<string, unknown>): HookReply => {
      this.deps.observer?.onWebhook({
        service: name,
        source: delivery.source,
        outcome,
        ...(kvWriteMs !== undefined && { kvWriteMs }),
      });
      log.info({ source: delivery.source, outcome, ...extra }, "webhook");
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

    // Checked before the write, recorded only after it: a record written first outlives a write
    // that then fails with Consul gone (removing it fails too), and the sender's retry would be
    // dropped as a duplicate, losing the push. Two identical deliveries racing both pass the
    // check; the CAS makes the second one find "already the desired value".
    const { deliveryId } = event;
    if (deliveryId !== undefined && (await this.deps.deliveries.has(name, event.source, deliveryId))) {
      return done("duplicate", 200, { tag: event.tag, reason: "delivery already processed" });
    }
    // issue 12: resolve the digest and check its signature before anything is written.
    const admission = await admitPush(this.deps.gate, service, event);
    if (admission && !admission.admitted) {
      return done("unverified", 200, { tag: event.tag, reason: admission.reason, refused: admission.kind });
    }
    let result;
    const writeStarted = this.deps.clock.now();
    try {
      const decide = (current: string | undefined) => {
        if (current === event.tag) return { skip: "already the desired value" };
        const verdict = evaluateTag(service.policy, event.tag, current);
        return verdict.accept ? { write: event.tag } : { skip: verdict.reason };
      };
      result = admission
        ? await writeDesired(this.deps.kv, service, event.tag, admission.digest, decide)
        : await writeDesiredTag(this.deps.kv, service.key, decide);
    } catch (err) {
      // Out of CAS rounds under a burst of pushes: a 503 makes the registry retry; a 409 would not.
      if (err instanceof ConflictError)
        throw new UpstreamUnavailableError("consul", `${err.message}; retry later`);
      throw err;
    }
    if (deliveryId !== undefined) {
      await this.deps.deliveries
        .markSeen(name, event.source, deliveryId)
        .catch((err: unknown) =>
          log.warn({ err }, "delivery decided but not recorded; a redelivery is re-checked by policy"),
        );
    }
    if (result.outcome === "written") kvWriteMs = this.deps.clock.now() - writeStarted;
    if (result.outcome === "skipped") {
      const outcome = result.reason === "already the desired value" ? "duplicate" : "rejected_by_policy";
      return done(outcome, 200, { tag: event.tag, reason: result.reason });
    }
    await this.deps.history
      .append(name, {
        kind: "push",
        tag: result.value,
        ...(result.previous !== undefined ? { previous: result.previous } : {}),
        source: event.source,
        ...digestFields(result),
      })
      .catch((err: unknown) => log.warn({ err }, "tag written but history append failed"));
    return done("accepted", 202, {
      tag: result.value,
      previous: result.previous ?? null,
      key: service.key,
      ...digestFields(result),
    });
  }

  /** Of several tags in one delivery, the newest by the service's policy (last one if unordered). */
  private newest(service: ServiceConfig, events: PushEvent[]): PushEvent {
    return events.reduce((best, e) => (compareTags(service.policy, e.tag, best.tag) > 0 ? e : best));
  }
}
