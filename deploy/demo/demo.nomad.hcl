# The demo job `tagroll dev` and the integration tests run: the same template contract as
# deploy/example-web.nomad.hcl, but with raw_exec running deploy/demo/app.mjs instead of a
# docker image, because the machines we test on have no Docker engine.

variable "service" {
  type    = string
  default = "demo"
}

variable "count" {
  type    = number
  default = 3
}

variable "node" {
  type        = string
  description = "Absolute path of the node binary"
}

variable "app" {
  type        = string
  description = "Absolute path of deploy/demo/app.mjs"
}

variable "change_mode" {
  type    = string
  default = "noop"
}

variable "max_parallel" {
  type    = number
  default = 1
}

variable "min_healthy_time" {
  type    = string
  default = "2s"
}

variable "healthy_deadline" {
  type = string
  # Short so a demo rollout of a "broken" tag reverts quickly; real services want minutes.
  default = "20s"
}

variable "startup_delay_ms" {
  type    = number
  default = 0
}

job "demo" {
  type = "service"

  meta {
    tagroll_service = var.service
  }

  group "app" {
    count = var.count

    # One instance per client node where there are enough nodes, as a real service would run.
    spread {
      attribute = "${node.unique.name}"
    }

    update {
      max_parallel      = var.max_parallel
      min_healthy_time  = var.min_healthy_time
      healthy_deadline  = var.healthy_deadline
      progress_deadline = "5m"
    }

    restart {
      # Nomad < 2.0.3 reuses the first render on restart when every template is noop
      # (hashicorp/nomad#8703); this makes each restart re-render and re-read the env.
      render_templates = true
      attempts         = 2
      interval         = "1m"
      delay            = "1s"
      mode             = "delay"
    }

    network {
      port "http" {}
    }

    # A group-level service with a group shutdown_delay, as the job contract asks (README, "The
    # Nomad job contract"): when tagroll restarts an allocation, Nomad deregisters the service
    # on the allocation's own node, waits 2 s, and only then stops the task.
    service {
      name = var.service
      port = "http"
      check {
        type     = "http"
        path     = "/health"
        interval = "1s"
        timeout  = "1s"
      }
    }

    shutdown_delay = "2s"

    task "app" {
      driver       = "raw_exec"
      kill_timeout = "5s"

      config {
        command = var.node
        args    = [var.app]
      }

      env {
        STARTUP_DELAY_MS = var.startup_delay_ms
      }

      template {
        data        = "{{ range ls \"configs/${var.service}\" }}{{ .Key }}={{ .Value }}\n{{ end }}"
        destination = "local/env"
        env         = true
        change_mode = var.change_mode
        wait {
          min = "500ms"
          max = "2s"
        }
      }
    }
  }
}
