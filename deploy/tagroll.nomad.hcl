# tagroll itself on Nomad (docker driver, Nomad >= 1.6).
#
# Two instances for HA: both serve webhooks and the status page; only the one holding the Consul
# lock `tagroll/leader` coordinates rollouts, and the other takes over within one session TTL.
#
# Before the first `nomad job run deploy/tagroll.nomad.hcl`:
#   1. ACL policies and tokens: deploy/acl/README.md.
#   2. Secrets in a Nomad variable. The job's workload identity may read nomad/jobs/tagroll
#      without any extra policy; keys double as the environment variable names:
#        nomad var put nomad/jobs/tagroll \
#          TAGROLL_SIGNING_KEYS="k2026a:$(openssl rand -base64 32)" \
#          CONSUL_HTTP_TOKEN=<secret id of the tagroll Consul token>
#      Optional keys: NOMAD_TOKEN (a classic token; without it the workload identity below is
#      used) and TAGROLL_SECRET_<SERVICE>_<SOURCE> (per-source webhook secrets).
#   3. Edit the services in the tagroll.yaml template below (reference: deploy/tagroll.example.yaml).

variable "image" {
  type        = string
  description = "tagroll image built from the repository's Dockerfile and pushed to your registry"
  default     = "registry.example.com/platform/tagroll:0.1.0"
}

variable "public_url" {
  type        = string
  description = "Base of the webhook URLs `tagroll token create` prints (your load balancer)"
  default     = "https://tagroll.example.com"
}

job "tagroll" {
  type = "service"

  group "tagroll" {
    count = 2

    # One instance per node, or a single node failure takes out both replicas.
    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    # Deploy a new tagroll version one instance at a time, each proven healthy first.
    update {
      max_parallel      = 1
      health_check      = "checks"
      min_healthy_time  = "10s"
      healthy_deadline  = "2m"
      progress_deadline = "5m"
      auto_revert       = true
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
      # Every template below is noop; without this a restart on Nomad < 2.0.3 reuses the first
      # render (hashicorp/nomad#8703), so rotated secrets would not be picked up.
      render_templates = true
    }

    network {
      port "http" {
        to = 8080
      }
    }

    task "tagroll" {
      driver = "docker"

      config {
        image = var.image
        args  = ["serve"]
        ports = ["http"]
        # tini as PID 1 forwards signals and reaps children; on SIGTERM `serve` releases the
        # leader lock before it exits.
        init = true
        # tagroll keeps no state on disk (Consul KV holds it) and binds an unprivileged port.
        readonly_rootfs = true
        cap_drop        = ["ALL"]
      }

      # On a stop (job update, node drain) Nomad deregisters the service, then waits this long
      # before the kill: load balancers stop sending webhooks here before the instance goes away.
      shutdown_delay = "5s"
      # Room to finish the restart in flight and release the lock cleanly.
      kill_timeout = "30s"

      # Workload Identity (Nomad >= 1.5) exposed as NOMAD_TOKEN: tagroll calls the Nomad API
      # with the policies attached to this job (`nomad acl policy apply -namespace default
      # -job tagroll ...`, deploy/acl/README.md), so no long-lived Nomad token is needed.
      # A NOMAD_TOKEN item in the variable wins over it (template env is applied last).
      identity {
        env = true
      }

      env {
        TAGROLL_CONFIG     = "${NOMAD_TASK_DIR}/tagroll.yaml"
        TAGROLL_PUBLIC_URL = var.public_url
        # The agents on this node. Nomad listens on the node address by default; Consul's
        # client_addr must include it too (or use https:// with CONSUL_CACERT and friends).
        CONSUL_HTTP_ADDR = "http://${attr.unique.network.ip-address}:8500"
        NOMAD_ADDR       = "http://${attr.unique.network.ip-address}:4646"
      }

      # Secrets from the Nomad variable, read with this task's workload identity. Only the
      # listed names pass; values are JSON-quoted so any character survives the env file.
      # noop: a change is applied by a rolling restart (`nomad job restart -batch-size 1`),
      # never by restarting both instances at once.
      template {
        destination = "secrets/tagroll.env"
        env         = true
        change_mode = "noop"
        data        = <<-EOT
          {{- with nomadVar "nomad/jobs/tagroll" -}}
          {{- range $name, $value := . -}}
          {{- if $name | regexMatch "^(TAGROLL_SIGNING_KEYS|TAGROLL_ACTIVE_KEY|TAGROLL_SECRET_[A-Z0-9_]+|CONSUL_HTTP_TOKEN|NOMAD_TOKEN)$" }}
          {{ $name }}={{ $value | toJSON }}
          {{- end -}}
          {{- end }}
          {{ end -}}
        EOT
      }

      # The configuration file. It changes only with the job, and a job update already rolls
      # one instance at a time (update block), hence noop. An `artifact` fetching it from a
      # repository works as well; point TAGROLL_CONFIG at wherever it lands.
      template {
        destination = "local/tagroll.yaml"
        change_mode = "noop"
        data        = <<-EOT
          logLevel: info
          defaults:
            rollout:
              autoRevert: true
          services:
            - name: web
              image: registry.example.com/acme/web
              # Jobs opt in with meta { tagroll_service = "web" } (deploy/example-web.nomad.hcl).
              policy:
                order: timestamp
                match: 'release-\d{14}'
        EOT
      }

      # Task-level: deregistered whenever the task stops or restarts, registered again at start.
      service {
        name = "tagroll"
        port = "http"
        tags = ["http"]

        # Liveness: the process answers. check_restart restarts a wedged instance.
        check {
          name     = "tagroll-live"
          type     = "http"
          path     = "/healthz"
          interval = "10s"
          timeout  = "2s"

          check_restart {
            limit = 3
            grace = "30s"
          }
        }

        # Readiness: Consul and Nomad are reachable. A failing instance leaves the load balancer
        # (webhooks would only get 503s there) without being restarted for it.
        check {
          name     = "tagroll-ready"
          type     = "http"
          path     = "/readyz"
          interval = "10s"
          timeout  = "3s"
        }
      }

      resources {
        cpu    = 200
        memory = 256
      }
    }
  }
}
