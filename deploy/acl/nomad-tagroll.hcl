# Nomad ACL policy for tagroll: exactly the Nomad API calls it makes, nothing else.
# It never registers, stops or scales a job (no submit-job) and never execs into a task.
# Attach it to the tagroll job's workload identity or to a token: deploy/acl/README.md.
#
# One namespace block per namespace that holds jobs tagroll rolls out. Namespaces not listed
# here are invisible to it: the opt-in scan simply does not see their jobs.
namespace "default" {
  capabilities = [
    # GET /v1/jobs?namespace=*&meta=true: finds the jobs that opt in with
    # meta { tagroll_service = "..." }. With namespace=*, Nomad answers with the jobs of every
    # namespace this policy grants list-jobs in.
    "list-jobs",

    # GET /v1/job/:id (task groups' update blocks, templates, meta; `tagroll check` lints),
    # GET /v1/job/:id/allocations, GET /v1/allocation/:id (task states after a restart),
    # GET /v1/client/allocation/:id/checks (Nomad-native service checks of the health gate),
    # GET /v1/event/stream?topic=Allocation&topic=Job&topic=Deployment&namespace=* (the leader
    # follows Nomad-side changes; README, "Running at scale").
    "read-job",

    # POST /v1/client/allocation/:id/restart: the rolling restart itself (and the restarts of
    # an auto-revert). This capability also allows stop and signal on allocations, the
    # narrowest one Nomad has for restart.
    "alloc-lifecycle",

    # GET /v1/client/fs/cat/:id?path=<task>/local/<file>: confirms the rendered template holds
    # the new value before and after each restart. Gives no access to secrets/ (Nomad refuses
    # reads of the secrets directory through the fs API).
    "read-fs",
  ]
}

# GET /v1/agent/self: the Nomad version, for `tagroll check`'s render_templates lint (Nomad
# < 2.0.3 needs restart { render_templates = true }). `tagroll serve` does not call it; drop this
# block if the token is never used for `tagroll check`.
agent {
  policy = "read"
}

# GET /v1/status/leader (readiness probe, /readyz) needs no ACL.
