/**
 * Leadership: the Consul session election, the error every wait throws once it is lost, and the
 * record writer that only a leader's session can use.
 */
export { LeaderElection, type LeadershipTerm } from "./leader-election.js";
export { ensureLeading, LeadershipLostError } from "./leadership.js";
export { loadRecord, type RolloutRecords, SessionRolloutRecords } from "./session-records.js";
