import { Command } from "commander";
import { registerAgentsCommand } from "./commands/agents.js";
import { registerDevCommand } from "./commands/dev.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerTokenCommand } from "./commands/token.js";

/** The `tagroll` command tree; each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command("tagroll")
    .description("Zero-downtime, health-gated image rollouts for Nomad + Consul")
    .version("0.1.0")
    .showHelpAfterError();
  registerServeCommand(program);
  registerTokenCommand(program);
  registerDevCommand(program);
  registerAgentsCommand(program);
  return program;
}
