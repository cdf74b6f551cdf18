/**
 * Status page script, part 5 of 5: the token, the snapshot and the live stream.
 *
 * The token comes from the URL fragment (`/#token=…`: browsers never send fragments, so it never
 * reaches a server or proxy log), moves to sessionStorage (this tab only) and is wiped from the
 * address bar. EventSource cannot send an Authorization header, so the stream is read with
 * fetch + a ReadableStream reader and parsed here; on any break the page reconnects with
 * back-off and refetches the snapshot, which covers whatever it missed.
 */
const TOKEN_KEY = "tagroll.statusToken";
/** @type {string | null} */
let token = null;
/** Bumped on every sign-in and sign-out: a stream of an older generation stops. */
let generation = 0;
/** @type {AbortController | null} */
let streamAbort = null;
let loading = false;
let reloadAgain = false;
/** Events seen while a snapshot loads, replayed over it when newer. @type {PageEvent[] | null} */
let replay = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;

function takeFragmentToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, "", location.pathname + location.search);
}
const auth = () => ({ Authorization: "Bearer " + token });
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {string} state
 * @param {string} [text]
 */
function setConnection(state, text) {
  const el = byId("conn");
  el.dataset.connection = state;
  el.textContent = text || state;
  document.body.dataset.connection = state;
}
/** @param {string} [text] */
function notice(text) {
  const el = byId("notice");
  el.textContent = text || "";
  el.hidden = !text;
}

/** @param {string} [reason] */
function showAuth(reason) {
  generation++;
  if (streamAbort) streamAbort.abort();
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  views.clear();
  actionState.clear();
  setViewer(undefined);
  byId("services").replaceChildren();
  byId("auth-reason").textContent = reason || "";
  byId("auth").hidden = false;
  byId("forget").hidden = true;
  document.body.dataset.state = "auth";
  setConnection("offline", "signed out");
  notice("");
}
/** @param {number} status */
function refused(status) {
  showAuth(
    status === 403
      ? "That token does not have the read scope."
      : "That token was refused: invalid, expired or revoked.",
  );
}

function start() {
  token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showAuth("");
  byId("auth").hidden = true;
  byId("forget").hidden = false;
  document.body.dataset.state = "loading";
  void loadSnapshot();
  void follow(++generation);
}

async function loadSnapshot() {
  if (loading) {
    reloadAgain = true;
    return;
  }
  loading = true;
  replay = [];
  try {
    const res = await fetch("status/data", { headers: auth(), cache: "no-store" });
    if (res.status === 401 || res.status === 403) return refused(res.status);
    if (!res.ok) throw new Error("HTTP " + res.status);
    const data = /** @type {Snapshot} */ (await res.json());
    const newer = (replay || []).filter((e) => e.at >= data.generatedAt);
    setSnapshot(data);
    newer.forEach(applyEvent);
    document.body.dataset.state = "ready";
    notice("");
  } catch (err) {
    notice(
      "Could not load the status (" + (err instanceof Error ? err.message : String(err)) + "); retrying.",
    );
    refreshSoon(5000);
  } finally {
    loading = false;
    replay = null;
    if (reloadAgain) {
      reloadAgain = false;
      void loadSnapshot();
    }
  }
}
/** @param {number} [ms] */
function refreshSoon(ms) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void loadSnapshot(), ms || 300);
}

/**
 * One server-sent event frame (the lines between two blank lines).
 * @param {string} frame
 * @returns {{ event: string, data: string } | null}
 */
function parseFrame(frame) {
  let event = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line === "" || line[0] === ":") continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

/**
 * Reads the event stream until it ends; false when the token was refused.
 * @param {number} gen
 * @returns {Promise<boolean>}
 */
async function stream(gen) {
  const ctrl = new AbortController();
  streamAbort = ctrl;
  const res = await fetch("status/events", {
    headers: { ...auth(), Accept: "text/event-stream" },
    cache: "no-store",
    signal: ctrl.signal,
  });
  if (res.status === 401 || res.status === 403) {
    refused(res.status);
    return false;
  }
  if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "",
    last = Date.now();
  // Heartbeats come every 15 s; silence for 45 s means a dead connection nobody closed.
  const watchdog = setInterval(() => {
    if (Date.now() - last > 45000) ctrl.abort();
  }, 5000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || gen !== generation) return true;
      last = Date.now();
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!frame) continue;
        if (frame.event === "hello") {
          setConnection("live");
          void loadSnapshot();
          continue;
        }
        const e = /** @type {PageEvent} */ (JSON.parse(frame.data));
        if (replay) replay.push(e);
        applyEvent(e);
      }
    }
  } finally {
    clearInterval(watchdog);
  }
}

/** @param {number} gen */
async function follow(gen) {
  let delay = 1000;
  while (gen === generation) {
    setConnection("connecting");
    const opened = Date.now();
    try {
      if ((await stream(gen)) === false) return;
    } catch {
      if (gen !== generation) return;
    }
    if (gen !== generation) return;
    setConnection("offline", "reconnecting");
    if (Date.now() - opened > 60000) delay = 1000;
    await sleep(delay);
    delay = Math.min(delay * 2, 30000);
  }
}

byId("auth-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ (byId("token"));
  const value = input.value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  input.value = "";
  start();
});
byId("forget").addEventListener("click", () => showAuth("Token forgotten."));
// A snapshot now and then catches what no event reports here: changes made under another
// tagroll instance's leadership, allocations placed or rescheduled by Nomad.
setInterval(() => {
  if (token && document.visibilityState === "visible") void loadSnapshot();
}, 60000);
takeFragmentToken();
start();
