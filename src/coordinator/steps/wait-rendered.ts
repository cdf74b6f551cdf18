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
  expected: Expected,
  timeoutMs: number,
  superseded: () => boolean,
): Promise<RenderOutcome> {
  const giveUpAt = ctx.clock.now() + timeoutMs;
  const checks = renderChecks(target, expected);
  // Nomad usually re-renders within milliseconds of the KV change: look again soon, then back off
  // to renderPollMs.
  let waitMs = Math.min(10, ctx.timing.renderPollMs);
  for (;;) {
    const found = await readFiles(ctx, ref, checks);
    if (checks.every((check) => passes(check, found.get(check.file)))) return "rendered";
    if (superseded()) return "superseded";
    if (ctx.clock.now() >= giveUpAt) return "timeout";
    await ctx.clock.sleep(waitMs, ctx.signal);
    waitMs = Math.min(ctx.timing.renderPollMs, waitMs * 2);
  }
}

/**
 * Step 5: after the allocation is healthy, its files must still hold `value` (and the digest, when
 * expected). Returns the values found (by file; a digest file as `<file> IMAGE_DIGEST`) when not.
 */
export async function confirmRendered(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
  expected: Expected,
): Promise<{ ok: boolean; found: Record<string, string | undefined> }> {
  const checks = renderChecks(target, expected);
  const contents = await readFiles(ctx, ref, checks);
  const found: Record<string, string | undefined> = {};
  let ok = true;
  for (const check of checks) {
    const content = contents.get(check.file);
    if (passes(check, content)) continue;
    ok = false;
    const label = check.name === target.valueName ? check.file : `${check.file} ${check.name}`;
    found[label] = content === undefined ? undefined : renderedValue(content, check.name);
  }
  return { ok, found };
}

/** What an allocation's files must hold: the phase's value and, for a pinned service, its digest. */
export interface Expected {
  value: string;
  digest?: string | undefined;
}

interface RenderCheck {
  file: string;
  name: string;
  value: string;
}

/**
 * The value in every file rendering the key; with an expected digest, also the digest in every
 * file rendering the digest key — a re-pushed tag changes only the digest (README, "Supply chain").
 */
function renderChecks(target: GroupTarget, expected: Expected): RenderCheck[] {
  const checks = target.files.map((file) => ({ file, name: target.valueName, value: expected.value }));
  const { digest } = expected;
  if (digest === undefined || !target.digest) return checks;
  const { name, files } = target.digest;
  return [...checks, ...files.map((file) => ({ file, name, value: digest }))];
}

function passes(check: RenderCheck, content: string | undefined): boolean {
  return content !== undefined && holdsValue(content, check.name, check.value);
}

async function readFiles(ctx: StepContext, ref: AllocRef, checks: RenderCheck[]) {
  const files = [...new Set(checks.map((check) => check.file))];
  const contents = await readRendered(ctx, ref, { files });
  return new Map(files.map((file, i) => [file, contents[i]]));
}

/** Contents of the target's files; undefined for a file that cannot be read (not rendered yet). */
export async function readRendered(
  ctx: StepContext,
  ref: AllocRef,
  target: Pick<GroupTarget, "files">,
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
