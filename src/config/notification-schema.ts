import { z } from "zod";
import { NOTIFICATION_KINDS } from "../notifications/notification-event.js";
import { durationMs, filePath, httpUrl, integer, nonEmpty, SERVICE_NAME } from "./schema-fields.js";

/**
 * One notification target as written in the file, globally (`notifications.targets`) or inside a
 * service (`services[].notifications`). The URL and secret may come from files or env instead
 * (build-notifications.ts); plaintext secrets follow `allowPlaintextSecrets` like every other.
 */
export const notificationTargetSchema = z.strictObject({
  name: z
    .string()
    .regex(SERVICE_NAME, 'must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit'),
  kind: z.enum(["webhook", "slack"]),
  url: httpUrl.optional(),
  urlFile: filePath.optional(),
  secret: nonEmpty.optional(),
  secretFile: filePath.optional(),
  events: z.array(z.enum(NOTIFICATION_KINDS)).min(1).optional(),
});

export const notificationsSchema = z.strictObject({
  targets: z.array(notificationTargetSchema).default([]),
  attempts: integer().min(1).max(20).default(5),
  timeout: durationMs.prefault("10s"),
  backoff: durationMs.prefault("1s"),
  maxBackoff: durationMs.prefault("1m"),
  queueSize: integer().min(1).max(10_000).default(100),
});

export type NotificationTargetFileConfig = z.infer<typeof notificationTargetSchema>;
export type NotificationsFileConfig = z.infer<typeof notificationsSchema>;
