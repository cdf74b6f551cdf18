import { ValidationError } from "../core/errors.js";

/**
 * Docker's tag grammar. The tag is written into an env file and an image reference, so anything
 * outside it (a newline, `=`, a space) would be an injection (README, "Security model").
 */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TAG_CHAR = /^[A-Za-z0-9_.-]$/;
export const MAX_TAG_LENGTH = 128;

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** Throws a 400 ValidationError that says what is wrong with `tag` unless it is a valid tag. */
export function assertValidTag(tag: string): void {
  if (isValidTag(tag)) return;
  throw new ValidationError(
    `invalid tag ${quoteForMessage(tag)}: ${describeProblem(tag)}; ` +
      "a tag is 1 to 128 of A-Z a-z 0-9 _ . - and cannot start with . or -",
  );
}

function describeProblem(tag: string): string {
  if (tag === "") return "it is empty";
  const chars = Array.from(tag);
  const bad = chars.findIndex((char) => !TAG_CHAR.test(char));
  if (bad !== -1) return `it contains ${quoteForMessage(chars[bad] ?? "")} at position ${bad + 1}`;
  if (!/^[A-Za-z0-9_]/.test(tag)) return `it starts with ${quoteForMessage(tag.charAt(0))}`;
  return `it is ${tag.length} characters long (at most ${MAX_TAG_LENGTH})`;
}

/**
 * JSON-quotes a sender-supplied string for an error message, cut to 64 characters and with every
 * character outside printable ASCII escaped, so a message can never carry a raw control character
 * (or a U+2028 line separator, which JSON.stringify leaves alone) into a log line or response.
 */
export function quoteForMessage(value: string): string {
  const chars = Array.from(value);
  const cut = chars.length > 64 ? `${chars.slice(0, 64).join("")}...` : value;
  return JSON.stringify(cut).replace(
    /[^\x20-\x7e]/gu,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

// Kept here too so the ingress can import everything it checks about an event from one module.
export { normalizeRepository, repositoryMatches } from "./repository-match.js";
