import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { Operations } from "../coordinator/operations.js";
import type { RuntimeParts } from "../runtime/runtime.js";
import { TokenRegistry } from "../tokens/index.js";
import type { ApiRouterDeps } from "./create-api-router.js";

/**
 * The API's collaborators out of the runtime's real ones, for `startRuntime({ routers })`:
 *   routers: (parts) => [{ path: "/api/v1", router: createApiRouter(apiRouterDeps(parts, log)) }]
 */
export function apiRouterDeps(
  parts: RuntimeParts,
  logger: Logger,
  clock: Clock = systemClock,
): ApiRouterDeps {
  const log = logger.child({ component: "api" });
  return {
    operations: new Operations({
      config: parts.config,
      kv: parts.kv,
      nomad: parts.nomad,
      logger: log,
      clock,
    }),
    config: parts.config,
    kv: parts.kv,
    history: parts.history,
    registry: new TokenRegistry(parts.kv),
    revocations: parts.revocations,
    clock,
    logger: log,
  };
}
