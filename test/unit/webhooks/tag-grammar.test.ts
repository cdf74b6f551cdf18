import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { assertValidTag, isValidTag, quoteForMessage } from "../../../src/webhooks/tag-grammar.js";

function messageFor(tag: string): string {
  try {
    assertValidTag(tag);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    return (error as ValidationError).message;
  }
  throw new Error(`expected ${JSON.stringify(tag)} to be rejected`);
}

describe("assertValidTag", () => {
  it.each([
    "latest",
    "1.2.3",
    "_x",
    "X",
    "0",
    "v1.0.0-rc.1",
    "release-20260103082900",
    "a_b.c-d",
    "x".repeat(128),
  ])("accepts %s", (tag) => {
    expect(isValidTag(tag)).toBe(true);
    expect(() => assertValidTag(tag)).not.toThrow();
  });

  it.each([
    ["1.0\nIMAGE_TAG=evil", 'it contains "\\n" at position 4'],
    ["1.0 rc", 'it contains " " at position 4'],
    ["a=b", 'it contains "=" at position 2'],
    ["acme/web", 'it contains "/" at position 5'],
    ["v1:2", 'it contains ":" at position 3'],
    ["x".repeat(129), "it is 129 characters long (at most 128)"],
    [".x", 'it starts with "."'],
    ["-x", 'it starts with "-"'],
    ["", "it is empty"],
    ["tag\u0000", 'it contains "\\u0000" at position 4'],
    ["é", 'it contains "\\u{e9}" at position 1'],
  ])("rejects %j: %s", (tag, problem) => {
    const message = messageFor(tag);
    expect(message).toContain(problem);
    expect(message).toMatch(/^invalid tag ".*": /);
  });

  it("never echoes a control character or line separator raw, and cuts long tags", () => {
    for (const tag of ["a\nb", "a\rb", "a\u001bb", "a\u2028b", "a\u2029b", "a\tb", "\u007f"]) {
      expect(messageFor(tag)).toMatch(/^[\x20-\x7e]+$/);
    }
    const long = messageFor(`${"y".repeat(500)}\n`);
    expect(long).not.toContain("y".repeat(65));
    expect(long).toContain("...");
  });
});

describe("quoteForMessage", () => {
  it("JSON-quotes and escapes everything outside printable ASCII", () => {
    expect(quoteForMessage('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteForMessage("\u2028😀")).toBe('"\\u{2028}\\u{1f600}"');
  });
});
