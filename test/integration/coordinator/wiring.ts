import type { ServiceConfig, TagrollConfig } from "../../../src/config/types.js";
import type { NomadApi } from "../../../src/nomad/nomad-api.js";

/** Wiring shared by the in-process runs and coordinator-process.ts (no vitest imports here). */

export interface RestartCall {
  allocId: string;
  at: number;
  /** Whether Nomad answered the request (undefined while in flight). */
  ok?: boolean;
}

export function service(name: string, rollout: Partial<ServiceConfig["rollout"]> = {}): ServiceConfig {
  return {
    name,
    image: `acme/${name}`,
    key: `configs/${name}/IMAGE_TAG`,
    secrets: {},
    policy: { order: "none", allowDowngrade: true, allowLatest: false },
    jobs: [],
    rollout: { autoRevert: true, renderTimeoutMs: 30_000, ...rollout },
  };
}

export function buildConfig(
  consul: string,
  nomad: string,
  services: ServiceConfig[],
  leaderKey: string,
): TagrollConfig {
  return {
    server: { host: "127.0.0.1", port: 0, publicUrl: "http://127.0.0.1", bodyLimit: 65536 },
    consul: { address: consul },
    nomad: { address: nomad },
    keys: [],
    activeKeyId: "none",
    // The shortest TTL Consul accepts keeps the HA tests short.
    coordinator: {
      enabled: true,
      reconcileSchedule: "0 0 1 1 *",
      reconcileBatch: 25,
      leaderKey,
      sessionTtl: "10s",
      deliveryTtlMs: 86_400_000,
    },
    historyLimit: 100,
    logLevel: "debug",
    services,
  };
}

/** Wraps a NomadApi so every restart request is timed (reaction time, batches, double restarts). */
export function timedRestarts(nomad: NomadApi, calls: RestartCall[]): NomadApi {
  return new Proxy(nomad, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (prop !== "restartAllocation") return (value as () => unknown).bind(target);
      return (allocId: string, ...rest: unknown[]) => {
        const call: RestartCall = { allocId, at: Date.now() };
        calls.push(call);
        return (value as (...a: unknown[]) => Promise<unknown>).call(target, allocId, ...rest).then(
          (answer) => {
            call.ok = true;
            return answer;
          },
          (err: unknown) => {
            call.ok = false;
            throw err;
          },
        );
      };
    },
  });
}
