import { ConflictError, UpstreamUnavailableError } from "../core/errors.js";

/**
 * The job changed between tagroll's read and its write: Nomad refused a register with
 * `EnforceIndex` or a revert with `EnforcePriorVersion`. Nomad answers both with HTTP 500 and a
 * fixed message (nomad/job_endpoint.go: `RegisterEnforceIndexErrPrefix`, and "Current job has
 * version … ; enforcing version …" in `Revert`), which is how they are told from an outage.
 */
export class JobModifiedError extends ConflictError {
  constructor(message: string) {
    super(message);
    this.name = "JobModifiedError";
  }
}

const REFUSALS = [/Enforcing job modify index/, /Current job has version \d+; enforcing version/];

/** The error as a JobModifiedError when it is one of those refusals, else unchanged. */
export function asJobModified(error: unknown): unknown {
  if (error instanceof UpstreamUnavailableError && REFUSALS.some((re) => re.test(error.message)))
    return new JobModifiedError(error.message);
  return error;
}
