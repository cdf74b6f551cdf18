import { holdsValue, renderedValue } from "../targets/index.js";
import { retrying, type AllocRef, type StepContext } from "./step-context.js";
import type { GroupTarget } from "../targets/index.js";

export type RenderOutcome = "rendered" | "superseded" | "timeout";

/**
 * Step 1: wait until every file of the allocation that renders the key holds the new value
 * (`/v1/client/fs/cat/:alloc?path=<task>/local/env`), at most `timeoutMs`. Returns early with
 * "superseded" when a newer value arrives meanwhile: the allocation is then left for the newer
 * value instead of being restarted into one that is already out of date.
 */
export async function waitRendered(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
  value: string,
  timeoutMs: number,
  superseded: () => boolean,
): Promise<RenderOutcome> {
  const giveUpAt = ctx.clock.now() + timeoutMs;
  // Nomad usually re-renders within milliseconds of the KV change: look again soon, then back off
  // to renderPollMs.
  let waitMs = Math.min(10, ctx.timing.renderPollMs);
  for (;;) {
    const found = await readRendered(ctx, ref, target);
    if (found.every((content) => content !== undefined && holdsValue(content, target.valueName, value))) {
      return "rendered";
    }
    if (superseded()) return "superseded";
    if (ctx.clock.now() >= giveUpAt) return "timeout";
    await ctx.clock.sleep(waitMs, ctx.signal);
    waitMs = Math.min(ctx.timing.renderPollMs, waitMs * 2);
  }
}

/**
 * Step 5: after the allocation is healthy, its files must still hold `value`. Returns the
 * values found (by file) when they do not.
 */
export async function confirmRendered(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
  value: string,
): Promise<{ ok: boolean; found: Record<string, string | undefined> }> {
  const contents = await readRendered(ctx, ref, target);
  const found: Record<string, string | undefined> = {};
  let ok = true;
  target.files.forEach((file, i) => {
    const content = contents[i];
    if (content !== undefined && holdsValue(content, target.valueName, value)) return;
    ok = false;
    found[file] = content === undefined ? undefined : renderedValue(content, target.valueName);
  });
  return { ok, found };
}

/** Contents of the target's files; undefined for a file that cannot be read (not rendered yet). */
export async function readRendered(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
): Promise<Array<string | undefined>> {
  return Promise.all(
    target.files.map((file) =>
      retrying(ctx, () => ctx.nomad.readAllocFile(ref.allocId, file, ref.scope)).catch((err: unknown) => {
        if (ctx.signal.aborted) throw err;
        return undefined;
      }),
    ),
  );
}
