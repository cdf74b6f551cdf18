import type { PushSource } from "../core/push-event.js";
import { plaintextRefused } from "./config-error.js";
import type { FileConfig } from "./file-schema.js";
import type { ResolveContext } from "./resolve-context.js";
import { PUSH_SOURCES, REDEPLOY_FIELD, type ServiceFileConfig } from "./service-schema.js";
import { buildSupplyChain } from "./supply-chain.js";
import type { JobTarget, RolloutStrategy, ServiceConfig, TagPolicy } from "./types.js";

const SECRET_PREFIX = "TAGROLL_SECRET_";

/** `TAGROLL_SECRET_<SERVICE>_<SOURCE>`, with the service name upper-cased and `-` written `_`. */
export function secretEnvName(service: string, source: PushSource): string {
  return `${SECRET_PREFIX}${service.toUpperCase().replaceAll("-", "_")}_${source.toUpperCase()}`;
}

/**
 * Turns the file's services into `ServiceConfig`s: `defaults` then built-in defaults fill what a
 * service leaves out, secrets are read from env or files, and names and keys must be unique.
 */
export function buildServices(file: FileConfig, ctx: ResolveContext): ServiceConfig[] {
  const services = file.services.map((service, index) =>
    buildService(service, `services[${index}]`, file, ctx),
  );
  checkUnique(services, "name", ctx);
  checkUnique(services, "key", ctx);
  checkPromotions(services, ctx);
  checkSecretVariables(services, ctx);
  return services;
}

function buildService(
  raw: ServiceFileConfig,
  at: string,
  file: FileConfig,
  ctx: ResolveContext,
): ServiceConfig {
  const policy = { ...file.defaults.policy, ...raw.policy };
  const rollout = { ...file.defaults.rollout, ...raw.rollout };
  if (policy.range !== undefined && policy.order !== "semver") {
    ctx.problem(`${at}.policy.range`, 'only applies when policy.order is "semver"');
  }
  const tagPolicy: TagPolicy = {
    order: policy.order ?? "none",
    allowDowngrade: policy.allowDowngrade ?? false,
    allowLatest: policy.allowLatest ?? false,
    ...(policy.match !== undefined && { match: policy.match }),
    ...(policy.range !== undefined && { range: policy.range }),
  };
  const key = raw.key ?? `configs/${raw.name}/IMAGE_TAG`;
  const supplyChain = buildSupplyChain(raw, key, at, ctx);
  return {
    name: raw.name,
    image: raw.image,
    key,
    ...(raw.source !== undefined && { source: raw.source }),
    secrets: resolveSecrets(raw, at, file.allowPlaintextSecrets, ctx),
    policy: tagPolicy,
    jobs: raw.jobs.map(toJobTarget),
    rollout: {
      autoRevert: rollout.autoRevert ?? true,
      renderTimeoutMs: rollout.renderTimeout ?? 60_000,
      ...(rollout.maxParallel !== undefined && { maxParallel: rollout.maxParallel }),
      ...(rollout.minHealthyTime !== undefined && { minHealthyTimeMs: rollout.minHealthyTime }),
      ...(rollout.healthyDeadline !== undefined && { healthyDeadlineMs: rollout.healthyDeadline }),
    },
    ...(raw.strategy !== undefined && { strategy: toStrategy(raw.strategy) }),
    ...gateSettings(raw, at, ctx),
    ...(supplyChain !== undefined && { supplyChain }),
  };
}

/** `restart`, or `{ redeploy: "meta.VERSION" }` into its field (the schema checked the shape). */
function toStrategy(raw: NonNullable<ServiceFileConfig["strategy"]>): RolloutStrategy {
  if (raw === "restart") return { kind: "restart" };
  const [, kind, name] = REDEPLOY_FIELD.exec(raw.redeploy) as unknown as [
    string,
    "meta" | "variable",
    string,
  ];
  return { kind: "redeploy", field: { kind, name } };
}

/** Approvals, windows and promotion, copied as given (src/gates/). */
function gateSettings(
  raw: ServiceFileConfig,
  at: string,
  ctx: ResolveContext,
): Pick<ServiceConfig, "approvals" | "windows" | "promote" | "acceptsPromotions"> {
  const { approvals, windows } = raw;
  const promote = raw.promote && buildPromote(raw.promote, `${at}.promote`, ctx);
  return {
    ...(approvals !== undefined && {
      approvals: {
        required: approvals.required,
        ...(approvals.expire !== undefined && { expireMs: approvals.expire }),
      },
    }),
    ...(windows !== undefined && { windows }),
    ...(promote !== undefined && { promote }),
    ...(raw.acceptsPromotions !== undefined && { acceptsPromotions: raw.acceptsPromotions }),
  };
}

/**
 * `promote`, and for a target on another Consul/Nomad pair (`promote.consul`) that Consul with
 * its token read from `tokenFile` (README, "Promotion to another cluster").
 */
function buildPromote(
  raw: NonNullable<ServiceFileConfig["promote"]>,
  at: string,
  ctx: ResolveContext,
): NonNullable<ServiceConfig["promote"]> {
  const { to, when, approvals, consul, key } = raw;
  if (consul === undefined) {
    if (key !== undefined)
      ctx.problem(`${at}.key`, "only applies with promote.consul (a target on another pair)");
    return { to, when, approvals };
  }
  const token =
    consul.tokenFile === undefined
      ? undefined
      : ctx.readNamedFile(`${at}.consul.tokenFile`, consul.tokenFile)?.trim();
  if (token === "")
    ctx.problem(`${at}.consul.tokenFile`, "the file is empty; put the Consul ACL token in it");
  return {
    to,
    when,
    approvals,
    remote: {
      consul: {
        address: consul.address,
        ...(token && { token }),
        ...(consul.datacenter !== undefined && { datacenter: consul.datacenter }),
      },
      key: key ?? `configs/${to}/IMAGE_TAG`,
    },
  };
}

/** `promote.to` names another configured service, and following promotions never comes back. */
function checkPromotions(services: ServiceConfig[], ctx: ResolveContext): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  services.forEach((service, index) => {
    const to = service.promote?.to;
    // A target on another pair is that pair's tagroll's to check.
    if (to === undefined || service.promote?.remote) return;
    const at = `services[${index}].promote.to`;
    if (!byName.has(to)) return ctx.problem(at, `"${to}" is not a configured service`);
    const seen = new Set([service.name]);
    for (let next: string | undefined = to; next !== undefined; next = byName.get(next)?.promote?.to) {
      if (seen.has(next)) return ctx.problem(at, `promotions loop back to "${next}"; remove one promote`);
      seen.add(next);
    }
  });
}

/** Per source: env variable, else `secretFiles`, else plaintext `secrets` when allowed. */
function resolveSecrets(raw: ServiceFileConfig, at: string, plaintextAllowed: boolean, ctx: ResolveContext) {
  if (raw.secrets !== undefined && !plaintextAllowed) {
    ctx.problem(
      `${at}.secrets`,
      plaintextRefused(`${at}.secretFiles or ${secretEnvName(raw.name, "ghcr")}-style variables`),
    );
  }
  const secrets: Partial<Record<PushSource, string>> = {};
  for (const source of PUSH_SOURCES) {
    const fromEnv = ctx.env[secretEnvName(raw.name, source)];
    const file = raw.secretFiles?.[source];
    const secret =
      fromEnv !== undefined && fromEnv !== ""
        ? fromEnv
        : file !== undefined
          ? ctx.readNamedFile(`${at}.secretFiles.${source}`, file)?.trim()
          : plaintextAllowed
            ? raw.secrets?.[source]
            : undefined;
    if (secret !== undefined) secrets[source] = secret;
  }
  return secrets;
}

function toJobTarget(job: ServiceFileConfig["jobs"][number]): JobTarget {
  return {
    id: job.id,
    ...(job.namespace !== undefined && { namespace: job.namespace }),
    ...(job.region !== undefined && { region: job.region }),
    ...(job.groups !== undefined && { groups: job.groups }),
    ...(job.tasks !== undefined && { tasks: job.tasks }),
  };
}

function checkUnique(services: ServiceConfig[], field: "name" | "key", ctx: ResolveContext): void {
  const seen = new Map<string, number>();
  services.forEach((service, index) => {
    const first = seen.get(service[field]);
    if (first === undefined) seen.set(service[field], index);
    else
      ctx.problem(`services[${index}].${field}`, `"${service[field]}" is already used by services[${first}]`);
  });
}

/**
 * A misspelt secret variable would silently turn signature checks off, so every
 * TAGROLL_SECRET_* must belong to exactly one configured service and source.
 */
function checkSecretVariables(services: ServiceConfig[], ctx: ResolveContext): void {
  const owners = new Map<string, string>();
  services.forEach((service, index) => {
    const variable = secretEnvName(service.name, "generic");
    const other = owners.get(variable);
    if (other !== undefined && other !== service.name) {
      ctx.problem(
        `services[${index}].name`,
        `"${service.name}" and "${other}" share secret variables; rename one`,
      );
    }
    owners.set(variable, service.name);
  });
  const expected = new Set(
    services.flatMap((service) => PUSH_SOURCES.map((source) => secretEnvName(service.name, source))),
  );
  for (const variable of Object.keys(ctx.env).sort()) {
    if (variable.startsWith(SECRET_PREFIX) && !expected.has(variable)) {
      ctx.problem(variable, "matches no configured service and source (TAGROLL_SECRET_<SERVICE>_<SOURCE>)");
    }
  }
}
