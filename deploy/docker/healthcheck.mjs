// Container HEALTHCHECK for the tagroll image: exit 0 when GET /healthz answers 200, else 1.
// Written for node itself because the slim base image has no curl or wget.
// It reads the same variables as tagroll (TAGROLL_PORT, TAGROLL_HOST, TAGROLL_TLS_CERT) so a
// port or TLS set through the environment is followed; a port set only in the config file is not
// visible here, so set TAGROLL_PORT as well when you move the port.
import http from "node:http";
import https from "node:https";
import process from "node:process";

const port = Number(process.env.TAGROLL_PORT || 8080);
const bound = process.env.TAGROLL_HOST || "";
// 0.0.0.0 / :: listen on every interface, loopback included.
const host = bound === "" || bound === "0.0.0.0" || bound === "::" ? "127.0.0.1" : bound;
const tls = Boolean(process.env.TAGROLL_TLS_CERT);

const request = (tls ? https : http).request(
  {
    host,
    port,
    path: "/healthz",
    method: "GET",
    timeout: 3000,
    // The certificate names the public host, not the address probed here; this only asks the
    // local process whether it is alive, so the peer's identity is not what is being checked.
    ...(tls && { rejectUnauthorized: false }),
  },
  (response) => {
    response.resume();
    process.exitCode = response.statusCode === 200 ? 0 : 1;
  },
);
request.on("timeout", () => request.destroy(new Error("timed out")));
request.on("error", (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exitCode = 1;
});
request.end();
