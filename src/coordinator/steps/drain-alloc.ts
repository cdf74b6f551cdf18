import { retrying, type AllocRef, type StepContext } from "./step-context.js";
import type { GroupTarget } from "../targets/index.js";

/** Consul's own ID prefix for the check maintenance mode adds to a service. */
export const MAINTENANCE_CHECK = "_service_maintenance:";

/**
 * Why drain: Nomad's restart kills the task while its Consul service is still listed as passing
 * (it deregisters at the same moment, without the `shutdown_delay` a stop would get — seen on
 * Nomad 1.11.3), so a load balancer routes to a dead port for as long as its view is stale.
 * These are the allocation's Consul service instances to put into maintenance first; none when
 * its services are not in Consul or the health client cannot set maintenance.
 */
export async function servicesToDrain(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
): Promise<string[]> {
  if (target.drain.method !== "consul-maintenance" || !ctx.health.setMaintenance) return [];
  const checks = await retrying(ctx, () => ctx.health.checksForAlloc(ref.allocId));
  return [...new Set(checks.map((c) => c.serviceId).filter(Boolean))];
}

/**
 * Takes the services out of every `?passing` answer (and DNS), then waits the job's own
 * `shutdown_delay` — the time it declared its clients need to stop using an instance.
 */
export async function drainAlloc(
  ctx: StepContext,
  services: string[],
  reason: string,
  waitMs: number,
): Promise<string[]> {
  const setMaintenance = ctx.health.setMaintenance?.bind(ctx.health);
  if (!setMaintenance) return services;
  let drained = 0;
  const refused: string[] = [];
  for (const id of services) {
    // Best effort: a service this agent does not know (registered by another node's agent, or
    // gone) is restarted undrained rather than failing the rollout.
    const ok = await retrying(ctx, () => setMaintenance(id, true, reason)).then(
      () => true,
      (err: unknown) => {
        if (ctx.signal.aborted) throw err;
        ctx.logger.warn({ err, serviceId: id }, "could not drain a service; restarting it undrained");
        refused.push(id);
        return false;
      },
    );
    if (ok) drained++;
  }
  if (drained > 0 && waitMs > 0) await ctx.clock.sleep(waitMs, ctx.signal);
  return refused;
}

/**
 * Back into rotation. A task-level service is registered afresh by its restart (which clears
 * maintenance); a group-level one keeps its registration, and maintenance, until this runs.
 * A service that is gone is not an error.
 */
export async function undrainAlloc(ctx: StepContext, services: string[] | undefined): Promise<void> {
  const setMaintenance = ctx.health.setMaintenance?.bind(ctx.health);
  if (!setMaintenance || !services) return;
  for (const id of services) {
    await retrying(ctx, () => setMaintenance(id, false, "")).catch((err: unknown) => {
      if (ctx.signal.aborted) throw err;
      ctx.logger.warn({ err, serviceId: id }, "could not take a service out of maintenance");
    });
  }
}
