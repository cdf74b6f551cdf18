# syntax=docker/dockerfile:1
#
# tagroll container image: `docker build -t tagroll .`, then
#   docker run --init -p 8080:8080 -e TAGROLL_SIGNING_KEYS=... -e CONSUL_HTTP_ADDR=... tagroll
# The default command is `serve`; any other CLI command works too (`... tagroll status --json`).
#
# Node 26: the Active LTS line since 2026-10-28 (support until 2029-04-30); 24 moved to
# Maintenance on 2026-10-20 and 22 (maintenance) ends 2027-04-30, 20 already ended 2026-04-30.
# tagroll needs Node >= 20 (package.json engines), so `--build-arg NODE_IMAGE=node:24-trixie-slim`
# also works. trixie-slim: Debian 13 (current stable) without extras; glibc, unlike Alpine.
ARG NODE_IMAGE=node:26-trixie-slim

# ---- build: dev dependencies + TypeScript compile -> dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run the build now, before the sources are copied in.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies + compiled JS only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No dev dependencies and no lifecycle scripts (prepare would try to compile without TypeScript).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /src/dist ./dist
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs

# The base image's unprivileged `node` user, by number so `runAsNonRoot`-style checks can verify
# it. Everything under /app stays owned by root: the process cannot rewrite its own code, and
# tagroll keeps no state on disk (it all lives in Consul KV).
USER 1000:1000
EXPOSE 8080

# Liveness only (/healthz). Readiness (/readyz: Consul and Nomad reachable) belongs to the
# orchestrator's checks; on Nomad the job's service checks are used and this one is not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["node", "healthcheck.mjs"]

# `serve` handles SIGTERM itself (closes the server, releases the leader lock). Node as PID 1 has
# no default signal actions, though, so run with `docker run --init` (Nomad: init = true) for a
# PID 1 that forwards signals to every command and reaps children.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
