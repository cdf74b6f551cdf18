/**
 * One webhook delivery as the ingress core takes it, and the answer it gives — defined by the
 * core, not by HTTP: the express route (src/server/create-app.ts) adapts its request to this
 * and writes the reply back, as octokit/webhooks.js's middleware does for its core.
 */
export interface HookRequest {
  /** The secret path segment of `POST /hooks/<token>`. */
  token: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  contentType: string;
  rawBody: Buffer;
}

export interface HookReply {
  status: number;
  body: Record<string, unknown>;
}
