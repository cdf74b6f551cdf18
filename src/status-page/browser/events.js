/**
 * Status page script, part 4 of 5: applying one coordinator event (the types of
 * src/coordinator/model/rollout-events.ts) to the state drawn by part 1. Updates are incremental and
 * idempotent, so an event replayed over a newer snapshot does no harm; anything the page cannot
 * place (an unknown service, another rollout id) asks for a fresh snapshot instead of guessing.
 */
/** Steps past which an allocation's file holds the rollout's value. */
const MOVED = ["restarting", "health", "healthy"];

/** @param {PageEvent} e */
function applyEvent(e) {
  if (e.type === "leadership") return refreshSoon();
  const s = views.get(e.service);
  if (!s) return refreshSoon();
  const r = s.rollout;
  switch (e.type) {
    case "rollout-started":
      s.rollout = {
        id: e.rolloutId,
        kind: e.kind,
        status: "running",
        value: e.value,
        previousValue: e.previousValue,
        startedAt: e.at,
        superseded: [],
        allocs: [],
      };
      s.desired = e.value;
      if (!e.resumed) for (const a of s.allocations) a.step = "pending";
      break;
    case "alloc-step": {
      if (!r || r.id !== e.rolloutId) return refreshSoon();
      let a = s.allocations.find((x) => x.allocId === e.allocId);
      if (e.step === "dropped") {
        s.allocations = s.allocations.filter((x) => x.allocId !== e.allocId);
        break;
      }
      if (!a)
        s.allocations.push((a = { allocId: e.allocId, name: e.allocName, jobId: e.jobId, group: e.group }));
      a.step = e.step;
      if (e.step === "rendering") delete a.undrained;
      if (e.undrained) a.undrained = e.undrained;
      // Past "rendering" the allocation's file holds the value (step 1 waits for exactly that).
      if (MOVED.includes(e.step)) a.running = a.rendered = e.value;
      delete a.drift;
      break;
    }
    case "rollout-superseded":
      if (!r || r.id !== e.rolloutId) return refreshSoon();
      r.superseded = (r.superseded || []).concat(e.from);
      r.value = e.to;
      r.status = "running";
      s.desired = e.to;
      // Allocations already moved to the superseded value get another turn.
      for (const a of s.allocations) if (a.step === "healthy") a.step = "pending";
      break;
    case "rollout-reverting":
      if (!r || r.id !== e.rolloutId) return refreshSoon();
      r.status = "reverting";
      r.error = e.reason;
      s.desired = e.to;
      break;
    case "rollout-finished":
      if (r && r.id === e.rolloutId) {
        r.status = e.status;
        r.finishedAt = e.at;
        if (e.error) r.error = e.error;
      }
      // History and the final rendered values come with a fresh snapshot.
      refreshSoon();
      break;
    case "drift": {
      const a = s.allocations.find((x) => x.allocId === e.allocId);
      if (a) a.drift = true;
      break;
    }
    case "gate":
      // A value held, released or dropped by the service's gate: the snapshot has the
      // `waiting` view and the history entry that go with it.
      return refreshSoon();
    default:
      return;
  }
  renderOne(e.service);
}
