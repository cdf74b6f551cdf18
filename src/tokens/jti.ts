import { randomBytes } from "node:crypto";
import { ValidationError } from "../core/errors.js";

const JTI = /^[A-Za-z0-9_-]{22}$/;

/** A fresh token id: 128 random bits, base64url (22 characters). */
export function newJti(): string {
  return randomBytes(16).toString("base64url");
}

export function isJti(value: unknown): value is string {
  return typeof value === "string" && JTI.test(value);
}

/** `<prefix><jti>`; the jti becomes part of a KV key, so only ids tagroll could have issued pass. */
export function jtiKey(prefix: string, jti: string): string {
  if (!isJti(jti)) throw new ValidationError("not a token id (expected 22 base64url characters)");
  return `${prefix}${jti}`;
}
