import { randomBytes } from "node:crypto";

const JTI = /^[A-Za-z0-9_-]{22}$/;

/** A fresh token id: 128 random bits, base64url (22 characters). */
export function newJti(): string {
  return randomBytes(16).toString("base64url");
}

export function isJti(value: unknown): value is string {
  return typeof value === "string" && JTI.test(value);
}
