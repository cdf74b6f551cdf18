import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { TagrollConfig } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import { ValidationError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Operations } from "../operations/index.js";
import type { KvStore } from "../kv/kv-store.js";
import type { HistoryStore } from "../state/history-store.js";
import type { RevocationStore, TokenRegistry } from "../tokens/index.js";
import { AdminActions } from "./admin-actions.js";
import { apiErrorReply } from "./api-error-reply.js";
import { API_ROUTES, routeKey, type RouteKey } from "./api-routes.js";
import { BearerAuth, InsufficientScopeError, type Principal } from "./bearer-auth.js";
import { grants } from "./scopes.js";
import { streamNdjson } from "./event-stream.js";
import { TokenActions } from "./token-actions.js";

export interface ApiRouterDeps {
  operations: Operations;
  config: TagrollConfig;
  kv: KvStore;
  history: HistoryStore;
  registry: TokenRegistry;
  revocations: RevocationStore;
  clock: Clock;
  logger: Logger;
}

type Params = Record<string, string>;
type Handler = (req: Request<Params>, res: Response, actor: string, principal: Principal) => Promise<void>;

/**
 * `/api/v1` (README, "Admin API, status page, metrics"): the CLI's operations behind bearer JWTs with scopes. Routes stay
 * thin — read params, call `AdminActions`/`TokenActions`, send JSON; errors go through
 * `apiErrorReply` (401 + `WWW-Authenticate: Bearer` without a usable token, 403 without the scope).
 */
export function createApiRouter(deps: ApiRouterDeps): Router {
  const actions = new AdminActions(deps);
  const tokens = new TokenActions({ ...deps });
  const auth = new BearerAuth({
    keys: deps.config.keys,
    clock: deps.clock,
    isRevoked: (jti) => deps.revocations.isRevoked(jti),
  });

  const handlers: Record<RouteKey, Handler> = {
    "get /services": async (_req, res) => void res.json(await actions.status()),
    "get /services/:name": async (req, res) => void res.json(await actions.status(req.params["name"])),
    "get /services/:name/history": async (req, res) => {
      const limit = optionalInt(req.query["limit"], "limit");
      res.json(await actions.history(req.params["name"] ?? "", limit));
    },
    "get /services/:name/events": async (req, res) => {
      const name = req.params["name"] ?? "";
      const after = typeof req.query["after"] === "string" ? req.query["after"] : undefined;
      // Checked before the stream's headers go out, so an unknown service is still a plain 404.
      actions.requireService(name);
      await streamNdjson(
        res,
        (signal) => actions.follow(name, { signal, ...(after !== undefined && { after }) }),
        {
          onError: (err) => req.log.warn({ err }, "event stream failed"),
        },
      );
    },
    "get /rollouts": async (req, res) => void res.json(await actions.rollouts(req.query["all"] === "true")),
    "post /services/:name/deploy": async (req, res, actor, principal) => {
      const { tag, now } = (req.body ?? {}) as { tag?: unknown; now?: unknown };
      if (typeof tag !== "string") throw new ValidationError('body must be {"tag": "<tag>"}');
      if (now !== undefined && typeof now !== "boolean")
        throw new ValidationError("now must be true or false");
      const admin = grants(principal.scopes, "admin");
      if (now && !admin) throw new InsufficientScopeError("admin");
      const name = req.params["name"] ?? "";
      const result = await actions.deploy(name, tag, { now: now === true }, actor, principal.subject, admin);
      res.status(result.changed || now ? 202 : 200).json(result);
    },
    "post /services/:name/approve": async (req, res, _actor, principal) => {
      const { value } = gateBody(req.body);
      res.json(await actions.approveAs(principal.subject, req.params["name"] ?? "", value));
    },
    "post /services/:name/reject": async (req, res, _actor, principal) => {
      const { value, reason } = gateBody(req.body);
      const options = { ...(value !== undefined && { value }), ...(reason !== undefined && { reason }) };
      res.json(await actions.rejectAs(principal.subject, req.params["name"] ?? "", options));
    },
    "post /services/:name/rollback": async (req, res, actor) => {
      const result = await actions.rollback(req.params["name"] ?? "", actor);
      res.status(result.changed ? 202 : 200).json(result);
    },
    "post /services/:name/restart": async (req, res, actor) =>
      void res.status(202).json(await actions.restart(req.params["name"] ?? "", actor)),
    "get /tokens": async (req, res) => {
      const service = typeof req.query["service"] === "string" ? req.query["service"] : undefined;
      res.json({ tokens: await tokens.list(service) });
    },
    "post /tokens": async (req, res) =>
      void res
        .status(201)
        .json(await tokens.create((req.body as { service?: unknown } | undefined)?.service)),
    "delete /tokens/:jti": async (req, res) => void res.json(await tokens.revoke(req.params["jti"] ?? "")),
  };

  const router = express.Router();
  for (const route of API_ROUTES) {
    const handle = handlers[routeKey(route)];
    router[route.method](
      route.path,
      async (req: Request, res: Response, next: NextFunction) => {
        res.locals["principal"] = await auth.authorize(req.header("authorization"), route.scope);
        next();
      },
      // Bodies are parsed only once the caller is known to be allowed.
      express.json({ limit: "16kb" }),
      (req: Request<Params>, res: Response) => {
        const principal = res.locals["principal"] as Principal;
        return handle(req, res, `api:${principal.subject}`, principal);
      },
    );
  }
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const reply = apiErrorReply(err, req.log ?? deps.logger);
    res.status(reply.status).set(reply.headers).json(reply.body);
  });
  return router;
}

/** `{"value"?: string, "reason"?: string}` of approve and reject. */
function gateBody(body: unknown): { value?: string; reason?: string } {
  const { value, reason } = (body ?? {}) as { value?: unknown; reason?: unknown };
  if (value !== undefined && typeof value !== "string") throw new ValidationError("value must be a string");
  if (reason !== undefined && typeof reason !== "string")
    throw new ValidationError("reason must be a string");
  return { ...(value !== undefined && { value }), ...(reason !== undefined && { reason }) };
}

function optionalInt(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError(`${name} must be a positive whole number`);
  return n;
}
