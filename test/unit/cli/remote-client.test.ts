import { describe, expect, it } from "vitest";
import { RemoteClient } from "../../../src/cli/remote-client.js";
import type { RolloutEvent } from "../../../src/coordinator/index.js";
import { rolloutEvents } from "./fake-client.js";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch that records requests and answers with `reply(sent)`. */
function fakeFetch(reply: (sent: Sent) => Response): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit) => {
    const request: Sent = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      ...(typeof init?.body === "string" && { body: init.body }),
    };
    sent.push(request);
    return reply(request);
  };
  return { fetch: fn as typeof fetch, sent };
}

function stream(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/x-ndjson" } });
}

describe("RemoteClient", () => {
  it("calls /api/v1 with the bearer token and JSON bodies", async () => {
    const f = fakeFetch(() => Response.json({ service: "web", changed: true }, { status: 202 }));
    const client = new RemoteClient({
      server: "https://tagroll.example.com/base/",
      token: "t0k",
      fetch: f.fetch,
    });
    await client.deploy("web", "v2");
    await client.history("my svc", 5);
    expect(f.sent[0]).toEqual({
      url: "https://tagroll.example.com/base/api/v1/services/web/deploy",
      method: "POST",
      headers: {
        authorization: "Bearer t0k",
        accept: "application/json",
        "content-type": "application/json",
      },
      body: '{"tag":"v2"}',
    });
    expect(f.sent[1]?.url).toBe("https://tagroll.example.com/base/api/v1/services/my%20svc/history?limit=5");
  });

  it("parses the NDJSON event stream across chunk boundaries, skipping heartbeats", async () => {
    const events = rolloutEvents("succeeded");
    const text = events.map((e) => JSON.stringify(e)).join("\n\n") + "\n";
    const cut = [text.slice(0, 17), text.slice(17, 200), text.slice(200)];
    const f = fakeFetch(() => stream(cut));
    const client = new RemoteClient({ server: "http://127.0.0.1:1", token: "t", fetch: f.fetch });
    const seen: RolloutEvent[] = [];
    for await (const event of client.follow("web", { after: "r0" })) seen.push(event);
    expect(seen).toEqual(events);
    expect(f.sent[0]?.url).toBe("http://127.0.0.1:1/api/v1/services/web/events?after=r0");
  });

  it("turns the server's error line and error statuses into messages", async () => {
    const broken = fakeFetch(() => stream(['{"type":"error","message":"Consul unreachable"}\n']));
    const follow = new RemoteClient({ server: "http://h", token: "t", fetch: broken.fetch }).follow("web");
    await expect(follow.next()).rejects.toThrow("the server stopped following: Consul unreachable");

    const refused = fakeFetch(() =>
      Response.json({ error: "unauthorized", message: "invalid, expired or revoked token" }, { status: 401 }),
    );
    await expect(
      new RemoteClient({ server: "http://h", token: "t", fetch: refused.fetch }).status(),
    ).rejects.toThrow(
      "the server refused the API token (invalid, expired or revoked token); see `tagroll api-token create`",
    );

    const forbidden = fakeFetch(() =>
      Response.json({ error: "forbidden", message: 'this token lacks the "deploy" scope' }, { status: 403 }),
    );
    await expect(
      new RemoteClient({ server: "http://h", token: "t", fetch: forbidden.fetch }).restart("web"),
    ).rejects.toThrow('the server answered 403: this token lacks the "deploy" scope');
    expect(() => new RemoteClient({ server: "ftp://h", token: "t" })).toThrow(/http:\/\/ or https:\/\//);
  });
});
