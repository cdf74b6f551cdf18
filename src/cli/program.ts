import { Command } from "commander";
import { registerAgentsCommand } from "./commands/agents.js";
import { registerDevCommand } from "./commands/dev.js";

/** The `tagroll` command tree; each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command("tagroll")
    .description("Zero-downtime, health-gated image rollouts for Nomad + Consul")
    .version("0.1.0")
    .showHelpAfterError();
  registerDevCommand(program);
  registerAgentsCommand(program);
  return program;
}
