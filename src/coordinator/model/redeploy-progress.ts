/**
 * One job of a redeploy rollout, as persisted in the rollout record (README, "Three ways a job
 * takes its tag"). It is how a resumed rollout never registers a job twice for one value: the
 * modify index tagroll changed is written before the register goes out, the version it made after.
 */
export interface RedeployJobProgress {
  jobId: string;
  namespace: string;
  /** The value this job is being moved to. */
  value: string;
  /** Written before the register: the job's modify index the register is enforced on. */
  priorModifyIndex?: number;
  /** Once registered (or found already carrying `value`): the job version that carries it. */
  version?: number;
  /** The Nomad deployment of `version`, once seen. */
  deploymentId?: string;
  /** Written before tagroll asks Nomad to revert: the version it reverts from. */
  revertFrom?: number;
  /** The job reached the rollout's phase value (its deployment succeeded). */
  done?: boolean;
}
