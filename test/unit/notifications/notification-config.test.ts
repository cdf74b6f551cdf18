import { describe, expect, it } from "vitest";
import { issuesOf, KEYS_ENV, load, WEB_SERVICE } from "../config/config-fixtures.js";

const HOOK = "https://ops.example.com/tagroll";
const SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";

describe("notifications config", () => {
  it("reads global and per-service targets, URL and secret from env or files", () => {
    const yaml = `${WEB_SERVICE}    notifications:
      - name: web-chat
        kind: slack
        urlFile: secrets/slack-url
notifications:
  targets:
    - name: ops
      kind: webhook
      url: ${HOOK}
      events: [rollout-failed, rollout-reverted]
  attempts: 3
  timeout: 2s
`;
    const config = load(
      { "/srv/tagroll.yaml": yaml, "/srv/secrets/slack-url": `${SLACK}\n` },
      { env: { ...KEYS_ENV, TAGROLL_NOTIFY_OPS_SECRET: "hmac-key" }, flags: { config: "/srv/tagroll.yaml" } },
    );
    expect(config.notifications).toEqual({
      targets: [
        {
          name: "ops",
          kind: "webhook",
          url: HOOK,
          secret: "hmac-key",
          events: ["rollout-failed", "rollout-reverted"],
        },
        {
          name: "web-chat",
          kind: "slack",
          url: SLACK,
          services: ["web"],
          events: expect.arrayContaining(["rollout-started", "approval-needed", "value-scheduled"]),
        },
      ],
      attempts: 3,
      timeoutMs: 2000,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      queueSize: 100,
    });
  });

  const BAD = `${WEB_SERVICE}notifications:
  targets:
    - name: chat
      kind: slack
      url: ${SLACK}
    - name: ops
      kind: webhook
      url: ${HOOK}
      secret: hunter2
    - name: unsigned
      kind: webhook
      url: ${HOOK}
    - name: badurl
      kind: webhook
      secretFile: /k
    - name: ops
      kind: slack
      urlFile: /u
`;
  const problems = (yaml: string) =>
    issuesOf(() =>
      load(
        { "/srv/tagroll.yaml": yaml, "/k": "k", "/u": SLACK },
        {
          env: { ...KEYS_ENV, TAGROLL_NOTIFY_OPZ_SECRET: "typo", TAGROLL_NOTIFY_BADURL_URL: "ftp://x" },
          flags: { config: "/srv/tagroll.yaml" },
        },
      ),
    ).map((i) => `${i.field}: ${i.message}`);

  it("refuses an unknown event kind, naming the field", () => {
    expect(problems(`${BAD}      events: [rollout-exploded]\n`).join("\n")).toContain(
      "notifications.targets[4].events[0]",
    );
  });

  it("refuses plaintext credentials, unsigned webhooks, bad URLs and stray variables, naming each field", () => {
    const second = problems(BAD);
    expect(second).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^notifications\.targets\[0\]\.url: plaintext secrets .*TAGROLL_NOTIFY_CHAT_URL/,
        ),
        expect.stringMatching(
          /^notifications\.targets\[1\]\.secret: plaintext secrets .*TAGROLL_NOTIFY_OPS_SECRET/,
        ),
        expect.stringMatching(/^notifications\.targets\[2\]: a webhook target signs every body/),
        expect.stringMatching(/^notifications\.targets\[3\]: the URL .* is not an http/),
        expect.stringMatching(/^notification target "ops": name is used twice/),
        expect.stringMatching(/^TAGROLL_NOTIFY_OPZ_SECRET: matches no notification target/),
      ]),
    );
    // The rejected values themselves never appear in the messages.
    expect(second.join("\n")).not.toMatch(/hunter2|XXXXXXXX|ftp:/);
  });
});
