/** The tag policy's public surface (README, "Configuration": tag policy per service). */
export { evaluateTag, type TagDecision, type TagRejectionCode } from "./evaluate-tag.js";
export { compareTags } from "./tag-order.js";
