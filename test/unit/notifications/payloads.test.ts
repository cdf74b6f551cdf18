import { describe, expect, it } from "vitest";
import type { NotificationEvent } from "../../../src/notifications/index.js";
import { signBody, slackBody, verifyDelivery, webhookBody } from "../../../src/notifications/index.js";

const at = Date.UTC(2026, 10, 25, 12, 0, 0);
const reverted: NotificationEvent = {
  kind: "rollout-reverted",
  service: "web",
  rolloutId: "r1",
  rolloutKind: "deploy",
  value: "v2",
  previousValue: "v1",
  revertedTo: "v1",
  durationMs: 65_000,
  error: "alloc <abc> & friends unhealthy",
  at,
};

describe("notification bodies", () => {
  it("webhook: the event's fields, its kind as `event`, ISO times and the attempt's stamp", () => {
    const body = JSON.parse(
      webhookBody(reverted, { deliveryId: "d1", timestamp: 1_800_000_000, attempt: 2 }),
    );
    expect(body).toEqual({
      event: "rollout-reverted",
      deliveryId: "d1",
      attempt: 2,
      timestamp: 1_800_000_000,
      service: "web",
      rolloutId: "r1",
      rolloutKind: "deploy",
      value: "v2",
      previousValue: "v1",
      revertedTo: "v1",
      durationMs: 65_000,
      error: "alloc <abc> & friends unhealthy",
      at: "2026-11-25T12:00:00.000Z",
    });
    const waiting = webhookBody(
      { kind: "approval-needed", service: "web", value: "v3", required: 2, approvals: 1, expiresAt: at, at },
      { deliveryId: "d2", timestamp: 1, attempt: 1 },
    );
    expect(JSON.parse(waiting)).toMatchObject({
      event: "approval-needed",
      required: 2,
      approvals: 1,
      expiresAt: "2026-11-25T12:00:00.000Z",
    });
  });

  it("slack: incoming-webhook JSON with text and blocks, control characters escaped", () => {
    const body = JSON.parse(slackBody(reverted)) as {
      text: string;
      blocks: Array<{
        type: string;
        text?: { type: string; text: string };
        elements?: Array<{ text: string }>;
      }>;
    };
    expect(body.text).toBe(
      ":leftwards_arrow_with_hook: *web*: rollout of `v2` failed and was reverted to `v1`: alloc &lt;abc&gt; &amp; friends unhealthy",
    );
    expect(body.blocks[0]).toEqual({ type: "section", text: { type: "mrkdwn", text: body.text } });
    expect(body.blocks[1]?.type).toBe("context");
    expect(body.blocks[1]?.elements?.[0]?.text).toContain("rollout r1");
    const scheduled = JSON.parse(
      slackBody({ kind: "value-scheduled", service: "api", value: "v9", opensAt: at, at }),
    ) as { text: string };
    expect(scheduled.text).toBe(
      ":calendar: *api*: `v9` is scheduled for 2026-11-25T12:00:00.000Z (outside the deploy windows)",
    );
  });
});

describe("signature", () => {
  const body = webhookBody(reverted, { deliveryId: "d1", timestamp: 1_800_000_000, attempt: 1 });

  it("is sha256=<hex HMAC of the body> and verifies only with the right secret and body", () => {
    expect(signBody("s3cret", body)).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyDelivery("s3cret", body, signBody("s3cret", body), 1_800_000_010)).toBe(true);
    expect(verifyDelivery("other", body, signBody("s3cret", body), 1_800_000_010)).toBe(false);
    expect(verifyDelivery("s3cret", body.replace("v2", "v3"), signBody("s3cret", body), 1_800_000_010)).toBe(
      false,
    );
    expect(verifyDelivery("s3cret", body, undefined, 1_800_000_010)).toBe(false);
  });

  it("refuses a replay: a correctly signed body whose timestamp is too old", () => {
    expect(verifyDelivery("s3cret", body, signBody("s3cret", body), 1_800_000_000 + 301)).toBe(false);
  });
});
