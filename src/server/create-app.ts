import express, { type Express, type NextFunction, type Request, type Response, type Router } from "express";
import helmet from "helmet";
import type { Logger } from "../core/logger.js";
import type { HookReply, HookRequest } from "../ingress/hook-request.js";
import { toErrorResponse } from "./error-response.js";
import { requestContext } from "./request-context.js";

export interface AppDeps {
  log: Logger;
  bodyLimit: number;
  /** The ingress core; the route adapts express to its request and reply. */
  handleHook: (req: HookRequest) => Promise<HookReply>;
  /** Readiness: resolves to the names of upstreams that are not reachable (empty = ready). */
  unready: () => Promise<string[]>;
  /** Extra routers mounted before the fallback (admin API, status page, metrics). */
  routers?: Array<{ path: string; router: Router }>;
}

/** The HTTP surface, kept thin: routes read the request and call plain functions. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(helmet());
  app.use(requestContext(deps.log));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const down = await deps.unready();
    res
      .status(down.length ? 503 : 200)
      .json({ status: down.length ? "unavailable" : "ready", unavailable: down });
  });

  app.post(
    "/hooks/:token",
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request<{ token: string }>, res: Response) => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      const reply = await deps.handleHook({
        token: req.params.token,
        headers,
        contentType: req.header("content-type") ?? "",
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      res.status(reply.status).json(reply.body);
    },
  );

  for (const { path, router } of deps.routers ?? []) app.use(path, router);

  app.use((_req, res) => {
    res.status(404).json({ error: "not_found", message: "not found" });
  });
  // Express 5 forwards rejected promises from handlers here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = toErrorResponse(err, req.log ?? deps.log);
    res.status(status).json(body);
  });
  return app;
}
