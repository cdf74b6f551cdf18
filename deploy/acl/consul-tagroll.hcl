# Consul ACL policy for tagroll: exactly the Consul API calls it makes, nothing else.
# Create it and a token with it: deploy/acl/README.md.
#
# Watched keys: the default key of a service is configs/<service>/IMAGE_TAG. A service whose
# `key` lies under another prefix needs one more key_prefix block like the first, for that prefix.

# Desired state, read and written by tagroll:
#   GET    /v1/kv/configs/?recurse&index=...  the coordinator's blocking watch, one per prefix
#   GET    /v1/kv/configs/<service>/<KEY>     current value before a webhook write
#   PUT    /v1/kv/configs/<service>/<KEY>?cas=<ModifyIndex>
#                                             webhook writes, `tagroll deploy`/`rollback`,
#                                             auto-revert; CAS needs write, reading it needs read
# `write` also grants `list`, which recursive reads need when the agents run with
# acl.enable_key_list_policy = true.
key_prefix "configs/" {
  policy = "write"
}

# tagroll's own state (src/state/kv-layout.ts):
#   PUT    /v1/kv/tagroll/leader?acquire=<session>  /  ?release=<session>   leader lock
#   GET/PUT(cas) /v1/kv/tagroll/rollouts/<service>   rollout progress, resumed by a new leader
#   GET/PUT(cas) /v1/kv/tagroll/history/<service>    capped history
#   GET/PUT/DELETE /v1/kv/tagroll/revoked/<jti>      token revocation
#   PUT(cas=0)/DELETE /v1/kv/tagroll/deliveries/<id> webhook dedupe and its expiry sweep
#   GET    /v1/kv/tagroll/deliveries/?recurse         the sweep's listing
# A different coordinator.leaderKey outside tagroll/ needs write on that key as well.
key_prefix "tagroll/" {
  policy = "write"
}

# Leader election (ARCHITECTURE.md, "Leadership"):
#   PUT /v1/session/create      needs session write on the node the session is created for,
#                               which is the node of the agent tagroll talks to
#   PUT /v1/session/renew/<id>  and  PUT /v1/session/destroy/<id>: write on that same node
# tagroll runs on whichever Nomad client schedules it, so the node name is not known in advance;
# narrow the prefix when your client nodes share one (e.g. session_prefix "nomad-client-").
session_prefix "" {
  policy = "write"
}

# Health gate: GET /v1/health/state/any?filter=ServiceID matches "^_nomad-task-<alloc>-"
# and GET /v1/health/service/<name>?passing. Consul drops from these answers, silently, every
# check whose service the token cannot read AND every check on a node it cannot read
# (aclfilter.filterHealthChecks). Without both rules below the gate would see no checks at all
# and fall back to task state alone, so a failing deployment would pass.
#
# Drain before each restart: PUT /v1/agent/service/maintenance/<service id>?enable=true|false
# takes an allocation's instance out of every ?passing answer and DNS while it restarts (Nomad
# does not wait shutdown_delay on a restart). Consul requires service:write on the service's
# name for it. The services are whatever the application jobs register, hence the empty prefix;
# to narrow it, keep `service_prefix "" { policy = "read" }` and grant write per rolled service:
#   service "web" { policy = "write" }
service_prefix "" {
  policy = "write"
}

# Read-only: node-level checks and the node filter above.
node_prefix "" {
  policy = "read"
}

# GET /v1/agent/self: the Consul version `tagroll check` reports (without it, check says
# "version unknown ... refused: HTTP 403"). `tagroll serve` does not call it; drop this block if
# the token is never used for `tagroll check`. Exercised by test/integration/acl/.
agent_prefix "" {
  policy = "read"
}

# GET /v1/status/leader (readiness probe, /readyz) needs no ACL.
