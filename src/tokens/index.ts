/** Webhook and API tokens, their registry and revocations (README, "Security model"). */
export { createWebhookToken, verifyWebhookToken } from "./webhook-token.js";
export {
  createAdminToken,
  verifyAdminToken,
  SCOPES,
  type Scope,
  type AdminTokenRequest,
} from "./admin-token.js";
export { issueWebhookToken } from "./issue-webhook-token.js";
export { RevocationStore, type Revocation } from "./revocations.js";
export { TokenRegistry, type IssuedToken } from "./token-registry.js";
export { isJti } from "./jti.js";
