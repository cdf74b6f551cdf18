import { userInfo } from "node:os";
import { AdminActions } from "../api/admin-actions.js";
import type { TagrollConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import { Operations } from "../operations/index.js";
import { ConsulKvStore } from "../kv/consul-kv-store.js";
import { HttpNomadApi } from "../nomad/http-nomad-api.js";
import { HistoryStore } from "../state/history-store.js";

/**
 * Local mode: the CLI talks to Consul and Nomad itself, with the same operations the API runs.
 * It only writes KV (the desired value, a restart request); the leader of a running
 * `tagroll serve` does the restarts, so nothing here bypasses the health gate.
 */
export function openLocalClient(config: TagrollConfig, logger: Logger): AdminActions {
  const kv = new ConsulKvStore(config.consul, {
    requestTimeoutMs: 10_000,
    logger: logger.child({ component: "consul" }),
  });
  const nomad = new HttpNomadApi(config.nomad, { logger: logger.child({ component: "nomad" }) });
  return new AdminActions({
    operations: new Operations({ config, kv, nomad, logger }),
    config,
    kv,
    history: new HistoryStore(kv, { limit: config.historyLimit }),
    // Approvals from the local CLI count as the operating-system user's (README, "Approvals").
    approver: `cli:${userInfo().username}`,
    onClose: async () => {
      kv.close();
      await nomad.close();
    },
  });
}
