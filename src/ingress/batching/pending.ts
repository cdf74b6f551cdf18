import type { TagDecision } from "../../state/desired-tag-writer.js";
import type { NewHistoryEntry } from "../../state/history-store.js";
import type { DigestPin } from "../../supply-chain/digest-pin.js";

export interface PushWriteRequest {
  service: string;
  key: string;
  /** The webhook token's id: the transaction fails if it has been revoked meanwhile. */
  jti: string;
  delivery?: { source: string; id: string };
  decide: (current: string | undefined) => TagDecision;
  /** The history entry of a written value. */
  entry: (value: string, previous: string | undefined) => NewHistoryEntry;
  /** issue 12: the digest to write beside the tag in this transaction (src/supply-chain/digest-pin.ts). */
  pin?: DigestPin;
}

export type PushWrite =
  | { outcome: "written"; previous: string | undefined; value: string }
  | { outcome: "skipped"; reason: string; current: string | undefined }
  | { outcome: "seen" };

/** A webhook waiting for a place in a transaction (src/ingress/push-write.ts). */
export interface Pending {
  req: PushWriteRequest;
  /** Transactions this webhook's decision lost because its key had moved (a failed guard). */
  lost: number;
  /** Read the key from Consul before deciding again (its last known index proved out of date). */
  reread: boolean;
  resolve: (write: PushWrite) => void;
  reject: (error: unknown) => void;
}
