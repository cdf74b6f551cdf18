# An application job that takes its tag from job meta (the registry:2 redeployer pattern), rolled
# out by tagroll's `redeploy` strategy (README, "Three ways a job takes its tag").
#
# The desired tag still lives in Consul KV (configs/web-meta/IMAGE_TAG), written by webhooks, CI or
# `consul kv put`. With `strategy: { redeploy: meta.VERSION }` in its service's config, tagroll
# re-registers this job with meta VERSION set to the new tag (enforced on the job's modify index,
# so a concurrent `nomad job run` is never overwritten) and follows the Nomad deployment that the
# `update` block below drives. Nomad's auto_revert rolls a failed deployment back; tagroll then
# writes the previous tag back into the key and marks the rollout `reverted`.

job "web-meta" {
  meta {
    # Opt in (or list the job under the service in tagroll's config instead).
    tagroll_service = "web-meta"
    # The field tagroll changes. Set it to the tag the key holds before tagroll first runs.
    VERSION = "1.0.0"
  }

  group "web" {
    count = 3

    # The rollout is Nomad's own: one allocation at a time, each healthy (its checks passing) for
    # min_healthy_time before the next; a deployment that fails goes back to the last stable version.
    update {
      max_parallel      = 1
      min_healthy_time  = "10s"
      healthy_deadline  = "3m"
      progress_deadline = "10m"
      auto_revert       = true
    }

    network {
      port "http" {
        to = 8080
      }
    }

    # A group service with a group shutdown_delay: Nomad deregisters it before stopping an old
    # allocation and waits, so clients fed by Consul stop sending to it first. The check decides
    # the deployment's health (health_check = "checks", the default).
    service {
      name = "web-meta"
      port = "http"

      check {
        type     = "http"
        path     = "/health"
        interval = "5s"
        timeout  = "2s"
      }
    }

    shutdown_delay = "5s"

    task "web" {
      driver = "docker"

      config {
        image = "docker.io/acme/web:${NOMAD_META_VERSION}"
        ports = ["http"]
      }
    }
  }
}
