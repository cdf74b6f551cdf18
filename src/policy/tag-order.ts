import semver, { type SemVer } from "semver";
import type { TagOrder, TagPolicy } from "../config/types.js";

/**
 * How each `policy.order` reads a tag and compares two of them. When `policy.match` has a capture
 * group, the order reads the first group's text instead of the whole tag (so `build-(\d+)` orders
 * `build-41` < `build-112` numerically). `parse` returns undefined for a tag the order cannot read.
 */
interface OrderRule<Key> {
  /** What a readable tag is, for rejection reasons: `"x" is not <noun>`. */
  noun: string;
  parse(text: string): Key | undefined;
  compare(a: Key, b: Key): number;
}

/** semver 2.0 precedence; a leading `v` is fine (`v1.2.3`), build metadata is ignored. */
const semverRule: OrderRule<SemVer> = {
  noun: "a semver version",
  parse: (text) => semver.parse(text) ?? undefined,
  compare: (a, b) => semver.compare(a, b),
};

/** The text is all digits; compared as a big integer so `0042` equals `42` and length is no limit. */
const numericRule: OrderRule<bigint> = {
  noun: "a number",
  parse: (text) => (/^\d+$/.test(text) ? BigInt(text) : undefined),
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

/**
 * The one run of 8 to 14 digits in the text is a UTC timestamp `YYYYMMDD[hh[mm[ss]]]`
 * (`release-20260103082900`). Shorter runs are padded with zeros so a date-only tag sorts before
 * any time on that day. No such run, or more than one, and the tag is unreadable.
 */
const timestampRule: OrderRule<string> = {
  noun: "a timestamp (one run of 8-14 digits, YYYYMMDDhhmmss)",
  parse: (text) => {
    const runs = (text.match(/\d+/g) ?? []).filter((run) => run.length >= 8 && run.length <= 14);
    const padded = runs.length === 1 ? (runs[0] ?? "").padEnd(14, "0") : undefined;
    return padded !== undefined && isPlausibleTime(padded) ? padded : undefined;
  },
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

/** Code-point order, independent of locale so every instance agrees. */
const alphabeticalRule: OrderRule<string> = {
  noun: "a string",
  parse: (text) => text,
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

/** No ordering at all: every tag is readable and none is newer than another. */
const noneRule: OrderRule<true> = { noun: "a tag", parse: () => true, compare: () => 0 };

const RULES: Record<TagOrder, OrderRule<unknown>> = {
  semver: semverRule as OrderRule<unknown>,
  numeric: numericRule as OrderRule<unknown>,
  timestamp: timestampRule as OrderRule<unknown>,
  alphabetical: alphabeticalRule as OrderRule<unknown>,
  none: noneRule as OrderRule<unknown>,
};

export function orderRule(order: TagOrder): OrderRule<unknown> {
  return RULES[order];
}

/** `policy.match` anchored to the whole tag; undefined when the policy has none. */
export function matchPattern(policy: TagPolicy): RegExp | undefined {
  return policy.match === undefined ? undefined : new RegExp(`^(?:${policy.match})$`);
}

/**
 * The text the order reads: the first capture group of `policy.match` when it has one and it
 * took part in the match, else the whole tag. Undefined when `match` does not match at all.
 */
export function orderText(policy: TagPolicy, tag: string): string | undefined {
  const pattern = matchPattern(policy);
  if (pattern === undefined) return tag;
  const found = pattern.exec(tag);
  if (found === null) return undefined;
  return found.length > 1 && found[1] !== undefined ? found[1] : tag;
}

/**
 * Orders two tags by the policy, for picking the newest: negative when `a` is older than `b`.
 * A tag the order cannot read sorts before every readable one; with order `none` all are equal.
 */
export function compareTags(policy: TagPolicy, a: string, b: string): number {
  const rule = orderRule(policy.order);
  const keyOf = (tag: string) => {
    const text = orderText(policy, tag);
    return text === undefined ? undefined : rule.parse(text);
  };
  const [keyA, keyB] = [keyOf(a), keyOf(b)];
  if (keyA === undefined || keyB === undefined)
    return (keyA === undefined ? 0 : 1) - (keyB === undefined ? 0 : 1);
  return Math.sign(rule.compare(keyA, keyB));
}

function isPlausibleTime(digits: string): boolean {
  const [month, day, hour, minute, second] = [4, 6, 8, 10, 12].map((at) => Number(digits.slice(at, at + 2)));
  return (
    month !== undefined &&
    month >= 1 &&
    month <= 12 &&
    day !== undefined &&
    day >= 1 &&
    day <= 31 &&
    (hour ?? 0) <= 23 &&
    (minute ?? 0) <= 59 &&
    (second ?? 0) <= 59
  );
}
