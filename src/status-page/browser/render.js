/**
 * Status page script, part 1 of 5: the page's state and how it is drawn. Everything is drawn with
 * DOM methods and textContent, never innerHTML, so no value (a tag, an error message from Nomad)
 * can inject markup. data-* attributes carry the state for tests and tools. The five parts are
 * plain scripts sharing one scope: page-html.ts inlines them, in order, in one function under the
 * page's CSP nonce (tsconfig.json in this folder type-checks them together).
 */
/** @type {Map<string, ServiceView>} */
const views = new Map();
/** Services whose history the reader opened; kept open across redraws. */
/** @type {Set<string>} */
const openHistory = new Set();
/** @type {LeaderView | undefined} */
let leader;

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error("the page has no #" + id);
  return el;
}

/** @typedef {Node | string | number | false | null | undefined} Child */

/**
 * @param {string} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {}))
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(typeof c === "number" ? String(c) : c);
  return el;
}
/** @param {unknown} v */
const code = (v) =>
  v === undefined || v === null ? h("span", { class: "muted" }, "—") : h("code", {}, String(v));
/**
 * A digest shortened to `sha256:` + 12 hex digits, the full one in its title (README, "Supply chain").
 * @param {string | undefined} d
 */
const digestCode = (d) =>
  d === undefined ? code(undefined) : h("code", { title: d, "data-digest": d }, d.slice(0, 19) + "…");
/** @param {string} state @param {string} [text] */
const badge = (state, text) => h("span", { class: "badge st-" + state }, text || state);
/** @param {number | undefined} ms */
const clock = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "");

/** @param {Snapshot} data */
function setSnapshot(data) {
  views.clear();
  leader = data.leader;
  setViewer(data.viewer);
  for (const s of data.services) views.set(s.service, s);
  renderAll();
}

function renderAll() {
  const root = byId("services");
  root.replaceChildren(...[...views.values()].map(renderService));
  const l = byId("leader");
  let text = leader ? "leader: " + (leader.instance || "elected") : "no leader";
  // The leader's Nomad event stream, when it is not followed (src/coordinator/nomad-events/).
  const stream = leader && leader.nomadEvents;
  if (stream && stream.state !== "connected") {
    text += " · Nomad event stream " + stream.state + (stream.reason ? " (" + stream.reason + ")" : "");
    text += ": Nomad-side changes are found only by the reconcile sweep";
  }
  const gap = stream && stream.uncheckedGap;
  if (gap) {
    text += " · what changed in Nomad while its event stream was away could not be listed";
    text += (gap.reason ? " (" + gap.reason + ")" : "") + "; trying again";
  }
  l.textContent = text;
}

/** @param {string} name */
function renderOne(name) {
  const s = views.get(name);
  const old = document.querySelector('[data-service="' + CSS.escape(name) + '"]');
  if (s && old) old.replaceWith(renderService(s));
  else renderAll();
}

/** @param {ServiceView} s */
function renderService(s) {
  const r = s.rollout;
  const el = h("article", {
    class: "svc",
    "data-service": s.service,
    "data-desired": s.desired,
    "data-rollout-status": r && r.status,
    "data-rollout-value": r && r.value,
    "data-rollout-kind": r && r.kind,
  });
  el.append(
    h(
      "div",
      { class: "svc-head" },
      h("h2", {}, s.service),
      r
        ? badge(r.kind === "adopted" ? "adopted" : r.status, r.kind === "adopted" ? "baseline" : r.status)
        : "",
    ),
  );
  el.append(
    h(
      "dl",
      { class: "facts" },
      h("div", {}, h("dt", {}, "desired"), h("dd", { "data-field": "desired" }, code(s.desired))),
      h("div", {}, h("dt", {}, "key"), h("dd", {}, code(s.key))),
      digestFacts(s.digest),
    ),
  );
  el.append(renderWaiting(s), renderActions(s));
  if (s.promotion) el.append(renderPromotion(s.promotion));
  if (r && r.kind !== "adopted") el.append(renderRollout(s, r));
  if (s.error) el.append(h("p", { class: "error" }, "Nomad: " + s.error));
  el.append(h("ul", { class: "allocs", "aria-label": "allocations" }, s.allocations.map(renderAlloc)));
  if (s.allocations.length === 0 && !s.error)
    el.append(h("p", { class: "muted" }, "No running allocations."));
  el.append(renderHistory(s));
  return el;
}

/**
 * A promotion to another pair that has not landed yet (README, "Promotion to another cluster").
 * @param {NonNullable<ServiceView["promotion"]>} p
 */
function renderPromotion(p) {
  const tries = p.attempts + (p.attempts === 1 ? " attempt" : " attempts");
  const error = p.lastError ? ": " + p.lastError : "";
  return h(
    "p",
    { class: "error", "data-promotion-to": p.to, "data-promotion-value": p.value },
    `${p.value} not yet promoted to ${p.to} (${tries})${error}; retrying`,
  );
}

/**
 * The desired and deployed digest of a service that pins digests; nothing otherwise.
 * @param {DigestView | undefined} d
 */
function digestFacts(d) {
  if (!d) return [];
  return [
    h(
      "div",
      {},
      h("dt", {}, "desired digest"),
      h("dd", { "data-field": "digest-desired" }, digestCode(d.desired)),
    ),
    h(
      "div",
      {},
      h("dt", {}, "deployed digest"),
      h("dd", { "data-field": "digest-deployed" }, digestCode(d.deployed)),
    ),
    ...(d.pending
      ? [h("div", {}, h("dt", {}, "digest pending"), h("dd", { "data-field": "digest-pending" }, d.pending))]
      : []),
  ];
}

/**
 * @param {ServiceView} s
 * @param {RolloutView} r
 */
function renderRollout(s, r) {
  const planned = s.allocations.filter((a) => a.step);
  const healthy = planned.filter((a) => a.step === "healthy").length;
  const box = h("div", { class: "rollout", "data-rollout-id": r.id });
  const line = h("p", {}, r.kind === "restart" ? "Rolling restart of " : "Rollout to ", code(r.value));
  if (r.previousValue !== undefined && r.kind !== "restart") line.append(" from ", code(r.previousValue));
  line.append(" ", badge(r.status));
  box.append(line);
  const when = r.finishedAt ? "finished " + clock(r.finishedAt) : "started " + clock(r.startedAt);
  box.append(
    h("p", { class: "muted" }, when + " · " + healthy + " of " + planned.length + " allocations healthy"),
  );
  if (planned.length)
    box.append(h("progress", { max: planned.length, value: healthy, "aria-label": "allocations healthy" }));
  if (r.superseded && r.superseded.length)
    box.append(h("p", { class: "muted" }, "superseded: " + r.superseded.join(", ")));
  if (r.error) box.append(h("p", { class: "error" }, r.error));
  return box;
}

/** @param {AllocView} a */
function renderAlloc(a) {
  const li = h("li", {
    class: "alloc",
    "data-alloc-id": a.allocId,
    "data-step": a.step,
    "data-running": a.running,
    "data-rendered": a.rendered,
    "data-rendered-digest": a.renderedDigest,
  });
  li.append(
    h(
      "span",
      {},
      h("span", { class: "name" }, a.name || a.allocId),
      " ",
      h("span", { class: "id" }, String(a.allocId).slice(0, 8)),
    ),
  );
  li.append(
    h(
      "span",
      { class: "vals" },
      h("span", {}, h("span", { class: "muted" }, "runs "), code(a.running)),
      h("span", {}, h("span", { class: "muted" }, "renders "), code(a.rendered)),
      a.renderedDigest
        ? h("span", {}, h("span", { class: "muted" }, "@ "), digestCode(a.renderedDigest))
        : "",
      a.drift ? badge("drift", "drift") : "",
      a.undrained ? badge("undrained", "undrained") : "",
    ),
  );
  if (a.undrained) {
    li.append(h("p", { class: "error undrained" }, "restarted while still in rotation: " + a.undrained));
  }
  li.append(h("span", { class: "step" }, a.step ? badge(a.step) : ""));
  return li;
}

/**
 * @param {ServiceView} s
 * @param {number} i
 */
function historyButton(s, i) {
  const action = historyDeploy(s, i, scopes);
  return action
    ? [" ", actionButton(s.service, action, actionState.get(s.service)?.state === "sending")]
    : "";
}

/** @param {ServiceView} s */
function renderHistory(s) {
  const d = /** @type {HTMLDetailsElement} */ (h("details", { class: "history" }));
  d.open = openHistory.has(s.service);
  d.addEventListener("toggle", () => (d.open ? openHistory.add(s.service) : openHistory.delete(s.service)));
  d.append(h("summary", {}, "Recent history (" + s.history.length + ")"));
  d.append(
    h(
      "ol",
      {},
      s.history.map((e, i) =>
        h(
          "li",
          { "data-history-kind": e.kind, "data-history-tag": e.tag },
          h("time", { datetime: e.at }, new Date(e.at).toLocaleString()),
          " ",
          e.kind,
          " ",
          code(e.tag),
          e.previous !== undefined ? [" ← ", code(e.previous)] : "",
          e.source ? " · " + e.source : "",
          e.outcome ? " · " + e.outcome : "",
          e.message ? " · " + e.message : "",
          historyButton(s, i),
        ),
      ),
    ),
  );
  return d;
}
