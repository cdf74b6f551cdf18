/**
 * Thrown into every wait of a rollout when this instance stops leading, so that no restart is
 * issued after leadership is lost (ARCHITECTURE.md, "Leadership"). A rollout that ends with it is left as
 * persisted: the next leader resumes it.
 */
export class LeadershipLostError extends Error {
  constructor(reason: string) {
    super(`leadership lost: ${reason}`);
    this.name = "LeadershipLostError";
  }
}

/** Awaits a wait that rejects when aborted; true if it completed, false if it was aborted. */
export async function abortable(wait: Promise<void>): Promise<boolean> {
  try {
    await wait;
    return true;
  } catch {
    return false;
  }
}

/** Throws the signal's reason when it has aborted; called right before anything with effects. */
export function ensureLeading(signal: AbortSignal): void {
  if (signal.aborted)
    throw signal.reason instanceof Error ? signal.reason : new LeadershipLostError("aborted");
}
