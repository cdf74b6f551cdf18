/**
 * Status page script, part 3 of 5 (action buttons): the buttons, the confirmation dialog and the request
 * (README, "Status page actions"). A button exists only when the token's scopes allow its action
 * (actions.js); a read-only token gets none at all. Each click asks first, then POSTs to /api/v1
 * with the same bearer token; the card then says how the request went and, as the coordinator's
 * events arrive, how the rollout it started is doing.
 */
/** What the reader may do: from the snapshot's `viewer`. @type {string[]} */
let scopes = [];
/**
 * The last action per service and how it went; kept across redraws.
 * @type {Map<string, { label: string, state: string, message: string, before?: string }>}
 */
const actionState = new Map();

/** @param {ViewerView | undefined} viewer */
function setViewer(viewer) {
  scopes = viewer ? viewer.scopes : [];
  document.body.dataset.scopes = scopes.join(" ");
}

/** @param {ServiceView} s */
function renderWaiting(s) {
  const w = s.waiting;
  if (!w) return "";
  return h(
    "p",
    { class: "waiting", "data-waiting-kind": w.kind, "data-waiting-value": w.value },
    waitingText(w),
  );
}

/** @param {ServiceView} s */
function renderActions(s) {
  const actions = serviceActions(s, scopes);
  const status = renderActionStatus(s);
  if (!actions.length && !status) return "";
  const busy = actionState.get(s.service)?.state === "sending";
  return h(
    "div",
    { class: "actions" },
    actions.length
      ? h(
          "div",
          { class: "buttons" },
          actions.map((a) => actionButton(s.service, a, busy)),
        )
      : "",
    status,
  );
}

/**
 * @param {string} service
 * @param {PageAction} action
 * @param {boolean} busy
 */
function actionButton(service, action, busy) {
  const b = /** @type {HTMLButtonElement} */ (
    h(
      "button",
      { type: "button", class: action.danger ? "danger" : null, "data-action": action.id },
      action.label,
    )
  );
  b.disabled = busy;
  b.addEventListener("click", () => void runAction(service, action));
  return b;
}

/** @param {ServiceView} s */
function renderActionStatus(s) {
  const st = actionState.get(s.service);
  if (!st) return "";
  let text = st.label + ": " + st.message;
  const r = s.rollout;
  // The rollout this action started is the first record after the one seen before it was sent.
  if (st.state === "requested" && r && r.id !== st.before && r.kind !== "adopted") {
    const planned = s.allocations.filter((a) => a.step);
    const healthy = planned.filter((a) => a.step === "healthy").length;
    text = st.label + ": rollout " + r.status + " (" + healthy + " of " + planned.length + " healthy)";
  }
  return h("p", { class: "action-status", role: "status", "data-action-state": st.state }, text);
}

/**
 * @param {string} service
 * @param {PageAction} action
 */
async function runAction(service, action) {
  const answer = await confirmAction(action);
  if (!answer.ok) return;
  const before = views.get(service)?.rollout?.id;
  const body = { ...action.body, ...(answer.reason ? { reason: answer.reason } : {}) };
  actionState.set(service, { label: action.label, state: "sending", message: "sending…" });
  renderOne(service);
  try {
    const res = await fetch(action.path, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
    const reply = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((reply && reply.message) || "HTTP " + res.status);
    const unchanged = reply && reply.changed === false;
    actionState.set(service, {
      label: action.label,
      state: unchanged ? "unchanged" : "requested",
      message: unchanged
        ? "already the desired value; nothing to roll out"
        : "requested; waiting for the rollout",
      ...(before ? { before } : {}),
    });
  } catch (err) {
    actionState.set(service, {
      label: action.label,
      state: "failed",
      message: "failed: " + (err instanceof Error ? err.message : String(err)),
    });
  }
  renderOne(service);
  refreshSoon();
}

/**
 * Asks in the page's own dialog (no window.confirm: it blocks the stream and cannot take a reason).
 * @param {PageAction} action
 * @returns {Promise<{ ok: boolean, reason?: string }>}
 */
function confirmAction(action) {
  const dialog = /** @type {HTMLDialogElement} */ (byId("confirm"));
  const reason = /** @type {HTMLInputElement} */ (byId("confirm-reason"));
  byId("confirm-text").textContent = action.confirm;
  byId("confirm-ok").textContent = action.label;
  byId("confirm-reason-row").hidden = !action.reason;
  reason.value = "";
  dialog.dataset.action = action.id;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () =>
        resolve({
          ok: dialog.returnValue === "ok",
          ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
        }),
      { once: true },
    );
  });
}

byId("confirm-ok").addEventListener("click", () =>
  /** @type {HTMLDialogElement} */ (byId("confirm")).close("ok"),
);
byId("confirm-cancel").addEventListener("click", () =>
  /** @type {HTMLDialogElement} */ (byId("confirm")).close("cancel"),
);
