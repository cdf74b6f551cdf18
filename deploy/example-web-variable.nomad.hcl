# An application job that takes its tag from a job variable (the CI pattern: `nomad job run -var
# image_id=72 job.nomad.hcl`), rolled out by tagroll's `redeploy` strategy (README, "Three ways a
# job takes its tag").
#
# Nomad (1.6 and later) keeps what `nomad job run` submitted: this source, its -var flags and var
# files. With `strategy: { redeploy: variable.image_id }` in its service's config, tagroll parses
# that submission again with image_id set to the tag the Consul key (configs/web-ci/IMAGE_TAG)
# asks for, re-registers it (enforced on the job's modify index) and follows the deployment.
# Run it once yourself first, so there is a submission:
#   nomad job run -var image_id=1.0.0 example-web-variable.nomad.hcl

variable "image_id" {
  type        = string
  description = "The image tag to run"
}

job "web-ci" {
  meta {
    tagroll_service = "web-ci"
  }

  group "web" {
    count = 3

    # A canary first: one allocation of the new tag runs next to the old ones; tagroll promotes it
    # once healthy, then Nomad replaces the others one at a time. No auto_revert here: when the
    # deployment fails, tagroll reverts the job to its previous stable version itself.
    update {
      canary            = 1
      max_parallel      = 1
      min_healthy_time  = "10s"
      healthy_deadline  = "3m"
      progress_deadline = "10m"
    }

    network {
      port "http" {
        to = 8080
      }
    }

    service {
      name = "web-ci"
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
        image = "docker.io/acme/web:${var.image_id}"
        ports = ["http"]
      }
    }
  }
}
