/**
 * Status page script, part 2 of 5 (actions): which operator actions a service offers to the token that
 * opened the page (README, "Status page actions"), as plain data — no DOM here, so the choice is
 * unit-tested on its own (test/unit/status-page/page-actions.test.ts). The buttons only save a
 * trip: every request still goes through /api/v1, which checks the token's scope again.
 */

/**
 * @param {ServiceView} s
 * @param {readonly string[]} scopes
 * @returns {PageAction[]}
 */
function serviceActions(s, scopes) {
  /** @type {PageAction[]} */
  const out = [];
  const w = s.waiting;
  if (w && w.kind === "pending-approval" && scopes.includes("approve")) {
    const votes = (w.approvals || []).length + " of " + w.required + " approvals so far";
    out.push({
      id: "approve",
      label: "Approve " + w.value,
      confirm: "Approve " + w.value + " for " + s.service + "? (" + votes + ")",
      path: apiPath(s.service, "approve"),
      body: { value: w.value },
    });
    out.push({
      id: "reject",
      label: "Reject",
      confirm: "Reject " + w.value + " for " + s.service + "? It will not be rolled out.",
      path: apiPath(s.service, "reject"),
      body: { value: w.value },
      reason: true,
      danger: true,
    });
  }
  if (scopes.includes("deploy")) {
    out.push({
      id: "rollback",
      label: "Roll back",
      confirm:
        "Roll back " +
        s.service +
        " from " +
        (s.desired || "its value") +
        " to the value before it? " +
        "Every allocation is restarted onto it, a few at a time.",
      path: apiPath(s.service, "rollback"),
      danger: true,
    });
    out.push({
      id: "restart",
      label: "Rolling restart",
      confirm:
        "Restart every allocation of " +
        s.service +
        " on " +
        (s.desired || "its value") +
        ", a few at a time, each gated on health?",
      path: apiPath(s.service, "restart"),
    });
  }
  return out;
}

/**
 * A "Deploy" action for history entry `index`: for the newest entry of each tag that is not
 * already desired (deploying it again would change nothing), and only with the deploy scope.
 * @param {ServiceView} s
 * @param {number} index
 * @param {readonly string[]} scopes
 * @returns {PageAction | null}
 */
function historyDeploy(s, index, scopes) {
  const entry = s.history[index];
  if (!entry || !scopes.includes("deploy") || !entry.tag || entry.tag === s.desired) return null;
  if (s.history.findIndex((e) => e.tag === entry.tag) !== index) return null;
  return {
    id: "deploy",
    label: "Deploy",
    confirm:
      "Deploy " +
      entry.tag +
      " to " +
      s.service +
      " (now " +
      (s.desired || "unset") +
      ")? " +
      "Every allocation is restarted onto it, a few at a time.",
    path: apiPath(s.service, "deploy"),
    body: { tag: entry.tag },
  };
}

/**
 * What the page says about a value that waits (the `waiting` field of the service's status).
 * @param {WaitingView} w
 * @returns {string}
 */
function waitingText(w) {
  // The digest pushed with the value, short, as the CLI's status shows it (README, "Approvals").
  const value = w.digest ? w.value + "@" + w.digest.slice(0, 19) + "…" : w.value;
  if (w.kind === "scheduled") {
    return (
      "Scheduled: " +
      value +
      (w.opensAt
        ? " starts when the deploy window opens, " + localTime(w.opensAt)
        : " waits for the next deploy window")
    );
  }
  const by = (w.approvals || []).map((a) => a.by);
  return (
    "Waiting for approval: " +
    value +
    " — " +
    by.length +
    " of " +
    w.required +
    " approvals" +
    (by.length ? " (" + by.join(", ") + ")" : "") +
    (w.expiresAt ? "; expires " + localTime(w.expiresAt) : "")
  );
}

/** @param {string} service @param {string} verb */
function apiPath(service, verb) {
  return "api/v1/services/" + encodeURIComponent(service) + "/" + verb;
}

/** @param {string | number} t */
function localTime(t) {
  return new Date(t).toLocaleString();
}
