import semver from "semver";
import type { TagPolicy } from "../config/types.js";
import { isValidTag, quoteForMessage } from "../webhooks/tag-grammar.js";
import { orderRule, orderText } from "./tag-order.js";

/** Why a tag was not accepted; `duplicate` lets the caller answer as for a repeated delivery. */
export type TagRejectionCode =
  "invalid" | "latest" | "duplicate" | "match" | "unparseable" | "range" | "downgrade" | "not-newer";

export type TagDecision = { accept: true } | { accept: false; reason: string; code: TagRejectionCode };

const ACCEPT: TagDecision = { accept: true };
const reject = (code: TagRejectionCode, reason: string): TagDecision => ({ accept: false, code, reason });

/**
 * Decides whether `candidate` may replace `current` (the desired tag now, if any) under a
 * service's policy (README, "Configuration": tag policy per service). Checks, in order:
 * 1. Docker tag grammar; 2. `latest` only with `allowLatest`, and then it bypasses match and
 *    order: it is a moving pointer, not a version; 3. the same tag as now is a duplicate;
 * 4. `match` on the whole tag; 5. the order can read the tag; 6. semver `range`, with npm's
 *    prerelease rule (a prerelease satisfies `^1.2.0` only when the range names a prerelease
 *    of the same major.minor.patch); 7. unless `allowDowngrade`, strictly newer than `current`.
 * The downgrade check is skipped with order `none`, or when `current` is absent, `latest`, or
 * unreadable by the order (e.g. an operator wrote another scheme by hand).
 */
export function evaluateTag(policy: TagPolicy, candidate: string, current: string | undefined): TagDecision {
  const quoted = quoteForMessage(candidate);
  if (!isValidTag(candidate)) return reject("invalid", `${quoted} is not a valid image tag`);
  if (candidate === "latest" && !policy.allowLatest) {
    return reject("latest", '"latest" is ignored; set policy.allowLatest to deploy it');
  }
  if (candidate === current) return reject("duplicate", `${quoted} is already the desired tag`);
  if (candidate === "latest") return ACCEPT;

  const text = orderText(policy, candidate);
  if (text === undefined)
    return reject("match", `${quoted} does not match policy.match ${policy.match ?? ""}`);
  const rule = orderRule(policy.order);
  const key = rule.parse(text);
  if (key === undefined) {
    return reject("unparseable", `${quoted} is not ${rule.noun} (policy.order: ${policy.order})`);
  }
  if (policy.order === "semver" && policy.range !== undefined && !semver.satisfies(text, policy.range)) {
    return reject("range", `${quoted} is outside policy.range ${policy.range}`);
  }
  const noBaseline = current === undefined || current === "latest";
  if (policy.allowDowngrade || policy.order === "none" || noBaseline) return ACCEPT;

  const currentText = orderText(policy, current);
  const currentKey = currentText === undefined ? undefined : rule.parse(currentText);
  if (currentKey === undefined) return ACCEPT;
  const order = rule.compare(key, currentKey);
  const now = quoteForMessage(current);
  if (order < 0)
    return reject("downgrade", `${quoted} is older than the current ${now} (policy.allowDowngrade is off)`);
  if (order === 0)
    return reject(
      "not-newer",
      `${quoted} is not newer than the current ${now} (policy.order: ${policy.order})`,
    );
  return ACCEPT;
}
