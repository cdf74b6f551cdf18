import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from "node:http";
import helmet from "helmet";
import type { Logger } from "../core/logger.js";
import type { HookReply, HookRequest } from "../ingress/hook-request.js";
import { toErrorResponse } from "./error-response.js";
import { SAFE_REQUEST_ID } from "./request-context.js";

export interface LeanHooksDeps {
  log: Logger;
  bodyLimit: number;
  handleHook: (req: HookRequest) => Promise<HookReply>;
  /** Everything else, and every webhook this path does not take (the express app). */
  fallback: RequestListener;
}

/** `/hooks/<one segment>`, an optional trailing slash and query, as express's `/hooks/:token` matches it. */
const HOOK_PATH = /^\/hooks\/([^/?#]+)\/?(?:\?.*)?$/;

/**
 * `POST /hooks/<token>` served on Node's http server before express (README, "Ingest batching"):
 * express + helmet + body-parser cost more CPU than the rest of a webhook (BENCHMARKS.md,
 * "Ingest"). The answer is the same as the express route's (src/server/create-app.ts): helmet's
 * headers (taken from helmet itself at start-up), X-Request-Id, the body limit with 413, the
 * errors of toErrorResponse, one access-log line naming the route pattern, never the token.
 * A compressed body (body-parser inflates it) and any other path or method go to express.
 */
export function leanHooks(deps: LeanHooksDeps): RequestListener {
  const base = helmetHeaders();
  return (req, res) => {
    const match = req.method === "POST" ? HOOK_PATH.exec(req.url ?? "") : null;
    const encoding = req.headers["content-encoding"];
    if (!match || (encoding !== undefined && encoding.toLowerCase() !== "identity")) {
      deps.fallback(req, res);
      return;
    }
    const started = process.hrtime.bigint();
    const incoming = req.headers["x-request-id"];
    const requestId =
      typeof incoming === "string" && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        ...base,
        "x-request-id": requestId,
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
      deps.log.info(
        {
          requestId,
          method: "POST",
          route: "/hooks/:token",
          status,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    };
    const fail = (err: unknown) => {
      const { status, body } = toErrorResponse(err, deps.log.child({ requestId }));
      reply(status, body);
    };
    readBody(req, deps.bodyLimit, (tooLarge, rawBody) => {
      if (tooLarge) {
        fail(Object.assign(new Error("request entity too large"), { status: 413 }));
        return;
      }
      let token: string;
      try {
        token = decodeURIComponent(match[1] ?? "");
      } catch (err) {
        fail(err);
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      deps
        .handleHook({ token, headers, contentType: req.headers["content-type"] ?? "", rawBody })
        .then((r) => reply(r.status, r.body), fail);
    });
  };
}

/**
 * The whole body, or `tooLarge` once it passes `limit` (announced or counted); the rest of a too
 * large body is read and dropped so the connection stays usable, as body-parser does.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  done: (tooLarge: boolean, body: Buffer) => void,
): void {
  const announced = Number(req.headers["content-length"]);
  let tooLarge = Number.isFinite(announced) && announced > limit;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on("end", () => done(tooLarge, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
  // An aborted request has nobody left to answer.
  req.on("error", () => undefined);
}

/** The headers helmet sets with its defaults, as create-app.ts uses it, taken once from helmet. */
function helmetHeaders(): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const recorder = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}
