import { NOTIFICATION_KINDS } from "../notifications/notification-event.js";
import { plaintextRefused } from "./config-error.js";
import type { FileConfig } from "./file-schema.js";
import type { NotificationTargetFileConfig } from "./notification-schema.js";
import type { ResolveContext } from "./resolve-context.js";
import type { NotificationsConfig, NotificationTargetConfig } from "./types.js";

const ENV_PREFIX = "TAGROLL_NOTIFY_";

/** `TAGROLL_NOTIFY_<TARGET>_URL` / `_SECRET`, the name upper-cased and `-` written `_`. */
export function notifyEnvName(target: string, what: "URL" | "SECRET"): string {
  return `${ENV_PREFIX}${target.toUpperCase().replaceAll("-", "_")}_${what}`;
}

/**
 * The file's global and per-service notification targets as one list (README, "Notifications").
 * URL and secret: env variable, else the named file, else the plaintext field — a Slack URL and
 * an HMAC secret being credentials, their plaintext is refused unless `allowPlaintextSecrets`.
 */
export function buildNotifications(file: FileConfig, ctx: ResolveContext): NotificationsConfig {
  const n = file.notifications;
  const targets = [
    ...n.targets.map((raw, i) => buildTarget(raw, `notifications.targets[${i}]`, undefined, file, ctx)),
    ...file.services.flatMap((service, s) =>
      (service.notifications ?? []).map((raw, i) =>
        buildTarget(raw, `services[${s}].notifications[${i}]`, service.name, file, ctx),
      ),
    ),
  ].filter((t) => t !== undefined);
  checkNames(targets, ctx);
  if (n.backoff > n.maxBackoff) ctx.problem("notifications.backoff", "must not be longer than maxBackoff");
  return {
    targets,
    attempts: n.attempts,
    timeoutMs: n.timeout,
    backoffMs: n.backoff,
    maxBackoffMs: n.maxBackoff,
    queueSize: n.queueSize,
  };
}

function buildTarget(
  raw: NotificationTargetFileConfig,
  at: string,
  service: string | undefined,
  file: FileConfig,
  ctx: ResolveContext,
): NotificationTargetConfig | undefined {
  const plaintextOk = file.allowPlaintextSecrets;
  const urlVar = notifyEnvName(raw.name, "URL");
  const secretVar = notifyEnvName(raw.name, "SECRET");
  if (raw.kind === "slack" && raw.url !== undefined && !plaintextOk) {
    ctx.problem(
      `${at}.url`,
      plaintextRefused(`${at}.urlFile or ${urlVar}`) + " (a Slack webhook URL is a credential)",
    );
  }
  if (raw.secret !== undefined && !plaintextOk) {
    ctx.problem(`${at}.secret`, plaintextRefused(`${at}.secretFile or ${secretVar}`));
  }
  const url = fromEnvOrFile(ctx, urlVar, raw.urlFile, `${at}.urlFile`) ?? raw.url;
  const secret = fromEnvOrFile(ctx, secretVar, raw.secretFile, `${at}.secretFile`) ?? raw.secret;
  if (url === undefined) {
    ctx.problem(at, `needs url, urlFile or ${urlVar}`);
    return undefined;
  }
  if (!/^https?:\/\/[^/\s]+/i.test(url) || !URL.canParse(url)) {
    // The value may be a credential: say where it came from, never what it is.
    ctx.problem(at, `the URL (from url, urlFile or ${urlVar}) is not an http:// or https:// URL`);
    return undefined;
  }
  if (raw.kind === "webhook" && secret === undefined) {
    ctx.problem(at, `a webhook target signs every body: set secretFile or ${secretVar}`);
  }
  if (raw.kind === "slack" && (raw.secret !== undefined || raw.secretFile !== undefined)) {
    ctx.problem(at, "slack targets are not signed (Slack checks nothing); remove secret/secretFile");
  }
  return {
    name: raw.name,
    kind: raw.kind,
    url,
    events: raw.events ?? [...NOTIFICATION_KINDS],
    ...(raw.kind === "webhook" && secret !== undefined && { secret }),
    ...(service !== undefined && { services: [service] }),
  };
}

function fromEnvOrFile(
  ctx: ResolveContext,
  variable: string,
  path: string | undefined,
  field: string,
): string | undefined {
  const fromEnv = ctx.env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv.trim();
  return path === undefined ? undefined : ctx.readNamedFile(field, path)?.trim();
}

/** Names are unique (metric labels, env names), and every TAGROLL_NOTIFY_* variable is used. */
function checkNames(targets: NotificationTargetConfig[], ctx: ResolveContext): void {
  const seen = new Set<string>();
  const expected = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.name)) ctx.problem(`notification target "${target.name}"`, "name is used twice");
    seen.add(target.name);
    expected.add(notifyEnvName(target.name, "URL"));
    expected.add(notifyEnvName(target.name, "SECRET"));
  }
  for (const variable of Object.keys(ctx.env).sort()) {
    if (variable.startsWith(ENV_PREFIX) && !expected.has(variable)) {
      ctx.problem(variable, "matches no notification target (TAGROLL_NOTIFY_<TARGET>_URL or _SECRET)");
    }
  }
}
