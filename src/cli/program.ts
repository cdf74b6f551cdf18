import { Command } from "commander";
import { registerAgentsCommand } from "./commands/agents.js";
import { registerApiTokenCommand } from "./commands/api-token.js";
import { registerApproveCommands } from "./commands/approve.js";
import { registerCheckCommand } from "./commands/check.js";
import { registerDeployCommand } from "./commands/deploy.js";
import { registerDevCommand } from "./commands/dev.js";
import { registerHistoryCommand } from "./commands/history.js";
import { registerPruneCommand } from "./commands/prune.js";
import { registerRestartCommand } from "./commands/restart.js";
import { registerRollbackCommand } from "./commands/rollback.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerTokenCommand } from "./commands/token.js";

/** The `tagroll` command tree; each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command("tagroll")
    .description("Zero-downtime, health-gated image rollouts for Nomad + Consul")
    .version("0.1.0")
    .showHelpAfterError();
  registerServeCommand(program);
  registerTokenCommand(program);
  registerStatusCommand(program);
  registerDeployCommand(program);
  registerRollbackCommand(program);
  registerRestartCommand(program);
  registerHistoryCommand(program);
  registerCheckCommand(program);
  registerApiTokenCommand(program);
  registerApproveCommands(program);
  registerDevCommand(program);
  registerAgentsCommand(program);
  // issue 12
  registerPruneCommand(program);
  return program;
}
