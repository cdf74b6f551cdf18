import { readFileSync } from "node:fs";
import { PAGE_STYLE } from "./page-style.js";

/**
 * The page's browser code: plain scripts in ./browser/, type-checked together by
 * browser/tsconfig.json and linted like the rest, read once and inlined in order in one function
 * scope — so the page still loads nothing but itself. `npm run build` copies them next to this file.
 */
const PAGE_SCRIPT = ["render.js", "actions.js", "action-ui.js", "events.js", "stream.js"]
  .map((file) => readFileSync(new URL(`./browser/${file}`, import.meta.url), "utf8"))
  .join("\n");

/**
 * The Content-Security-Policy for one response of the page. helmet's default policy forbids
 * inline scripts and styles; rather than weaken it for the whole server, this one response
 * allows exactly its own inline blocks by nonce, and the page may only talk back to its origin.
 */
export function statusPageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The status page shell: markup, CSS and script, and no data at all — it is served without
 * authentication, and fetches everything with the token it is given (see browser/stream.js).
 * No URL in it names another host; the icon is an empty data: URL so the browser asks for none.
 */
export function statusPageHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>tagroll status</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body data-state="loading" data-connection="connecting">
<header class="bar">
  <h1>tagroll</h1>
  <span id="leader" class="muted"></span>
  <span id="conn" class="conn" data-connection="connecting" role="status">connecting</span>
  <button id="forget" type="button" hidden>Forget token</button>
</header>
<main>
  <section id="auth" hidden aria-labelledby="auth-title">
    <h2 id="auth-title">Paste a token with read scope</h2>
    <p id="auth-reason" class="error"></p>
    <form id="auth-form" autocomplete="off">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
      <button type="submit">Show status</button>
    </form>
    <p class="muted">An API token (JWT) with the <code>read</code> scope. You can also open this page as
      <code>/#token=&lt;token&gt;</code>: the part after # never leaves the browser. The token is kept in this
      tab only and sent solely in the Authorization header.</p>
  </section>
  <p id="notice" role="alert" hidden></p>
  <div id="services" aria-live="polite"></div>
</main>
<dialog id="confirm" aria-labelledby="confirm-text">
  <p id="confirm-text"></p>
  <p id="confirm-reason-row" hidden><label for="confirm-reason">Reason (optional)</label>
    <input id="confirm-reason" type="text" maxlength="200" autocomplete="off"></p>
  <div class="buttons">
    <button id="confirm-cancel" type="button">Cancel</button>
    <button id="confirm-ok" type="button" class="primary">Confirm</button>
  </div>
</dialog>
<script nonce="${nonce}">
"use strict";
(() => {
${PAGE_SCRIPT}
})();
</script>
</body>
</html>
`;
}
