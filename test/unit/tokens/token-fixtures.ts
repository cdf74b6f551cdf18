import type { SigningKey } from "../../../src/config/types.js";
import type { Clock } from "../../../src/core/clock.js";

export const KEY_1: SigningKey = { kid: "k1", secret: new Uint8Array(32).fill(1) };
export const KEY_2: SigningKey = { kid: "k2", secret: new Uint8Array(32).fill(2) };
export const KEYS = [KEY_1, KEY_2];

/** A clock fixed at `ms`; tokens only read `now`. */
export function fixedClock(ms = Date.UTC(2026, 0, 3, 8, 29)): Clock & { set(ms: number): void } {
  let time = ms;
  return {
    now: () => time,
    sleep: async () => {},
    set: (next: number) => {
      time = next;
    },
  };
}

export const notRevoked = async () => false;

/** A compact JWS from raw parts, for forging tokens by hand. */
export function compact(header: object, payload: object, signature = ""): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(header)}.${part(payload)}.${signature}`;
}
