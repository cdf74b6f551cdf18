# An application job rolled out by tagroll: the contract from the design, on the docker driver.
#
# The image tag lives in Consul KV (configs/web/IMAGE_TAG). A registry webhook, a CI job or an
# operator's `consul kv put configs/web/IMAGE_TAG release-20260101` changes it; Nomad re-renders
# the template but does nothing else (noop), and tagroll restarts the allocations max_parallel at a
# time, each one gated on its health check, reverting on failure.
#
# Seed the key before the first run, or the template blocks and the task never starts:
#   consul kv put configs/web/IMAGE_TAG release-20260101

job "web" {
  meta {
    # Opt in (or list the job under the service in tagroll's config instead).
    tagroll_service = "web"
  }

  group "web" {
    count = 3

    # tagroll takes its batch size and health timings from here, so a rollout by tagroll
    # follows the same rolling-upgrade spec as a `nomad job run`.
    update {
      max_parallel     = 1
      min_healthy_time = "10s"
      healthy_deadline = "3m"
    }

    restart {
      # Needed on Nomad < 2.0.3 so a restart re-reads the env: with only noop templates, older
      # versions stop watching after the first render and a restart reuses the old value
      # (hashicorp/nomad#8703).
      render_templates = true
    }

    network {
      port "http" {
        to = 8080
      }
    }

    # The service is declared in the group, with the group's shutdown_delay, on purpose: tagroll
    # restarts an allocation as a whole (its running tasks), and for that Nomad first deregisters
    # the group's services — on whichever node the allocation runs — then waits shutdown_delay,
    # and only then stops the task. Clients fed by Consul (DNS, load balancer configuration) have
    # that long to stop sending to the instance. A service declared in the task is removed only
    # at the moment the task is killed (README, "The Nomad job contract").
    service {
      name = "web"
      port = "http"

      # tagroll's health gate waits for this check to pass (for min_healthy_time) after each
      # restart before it moves to the next allocation. Leave it to start critical (no
      # initial_status = "passing"): Nomad registers the service again just before it stops the
      # old task, and only a failing check keeps the dying instance out of rotation.
      check {
        type     = "http"
        path     = "/health"
        interval = "5s"
        timeout  = "2s"
      }
    }

    # Time clients need to stop using an instance before Nomad stops it.
    shutdown_delay = "5s"

    task "web" {
      driver = "docker"

      config {
        # Interpolated again at each restart from the env the template loaded.
        image = "docker.io/acme/web:${IMAGE_TAG}"
        ports = ["http"]
      }

      # Every key under configs/web becomes an environment variable (IMAGE_TAG among them).
      template {
        data        = "{{ range ls \"configs/web\" }}{{ .Key }}={{ .Value }}\n{{ end }}"
        destination = "local/env"
        env         = true
        # Not "restart": that restarts every allocation at the same moment, and the service is
        # down for the length of a restart. tagroll restarts the allocations, a few at a time.
        change_mode = "noop"
      }

    }
  }
}
