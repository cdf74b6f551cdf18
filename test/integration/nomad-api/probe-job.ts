/**
 * A one-allocation raw_exec job for the API tests: a tiny Node HTTP server (so checks can pass),
 * a template rendering a file we can read back, and one service with an HTTP check registered
 * with the given provider (Nomad does not allow mixing providers within a group).
 */
export const PROBE_JOB_HCL = `
variable "node" {
  type = string
}

variable "service" {
  type = string
}

variable "provider" {
  type    = string
  default = "nomad"
}

job "probe" {
  type = "service"

  meta {
    tagroll_service = var.service
  }

  group "g" {
    count = 1

    network {
      port "http" {}
    }

    task "probe" {
      driver       = "raw_exec"
      kill_timeout = "2s"

      config {
        command = var.node
        args = [
          "-e",
          "require('http').createServer((q, s) => s.end('ok')).listen(+process.env.NOMAD_PORT_http, process.env.NOMAD_IP_http)",
        ]
      }

      template {
        data        = "greeting=hello from {{ env \\"NOMAD_ALLOC_ID\\" }}\\n"
        destination = "local/greeting"
      }

      service {
        name     = var.service
        provider = var.provider
        port     = "http"

        check {
          type     = "http"
          path     = "/"
          interval = "1s"
          timeout  = "1s"
        }
      }
    }
  }
}
`;

export const probeVariables = (service: string, provider: "nomad" | "consul") => ({
  node: process.execPath,
  service,
  provider,
});
