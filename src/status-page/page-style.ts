/**
 * The page's stylesheet, inlined under the response's CSP nonce. Mobile first: one column that
 * reads at 375 px, allocation rows that wrap instead of scrolling sideways; wider screens get
 * roomier cards. System fonts only — nothing is fetched from anywhere.
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #fff; --fg: #1b1f24; --muted: #5b6470; --line: #d9dde3;
  --ok: #1a7f37; --run: #0969da; --warn: #9a6700; --bad: #cf222e; --chip: #eef1f4;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 16px; line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --card: #161b22; --fg: #e6edf3; --muted: #9aa4af; --line: #30363d;
    --ok: #3fb950; --run: #58a6ff; --warn: #d29922; --bad: #f85149; --chip: #21262d;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); overflow-wrap: anywhere; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em;
  background: var(--chip); padding: 0 0.3em; border-radius: 4px; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 0.8rem; padding: 0.6rem 1rem;
  background: var(--card); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
.bar h1 { font-size: 1.1rem; margin: 0; margin-right: auto; }
.muted { color: var(--muted); font-size: 0.9rem; }
main { padding: 0.75rem; max-width: 72rem; margin: 0 auto; display: grid; gap: 0.75rem; }
button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 6px; border: 1px solid var(--line);
  background: var(--chip); color: var(--fg); cursor: pointer; min-height: 2.5rem; }
.conn::before { content: "\\25CF"; margin-right: 0.3em; }
.conn[data-connection="live"] { color: var(--ok); }
.conn[data-connection="connecting"] { color: var(--warn); }
.conn[data-connection="offline"] { color: var(--bad); }
#auth, .svc, #notice { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 0.9rem 1rem; margin: 0; }
#auth h2 { margin-top: 0; font-size: 1.15rem; }
#auth form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
#auth label { flex-basis: 100%; font-weight: 600; }
#auth input { flex: 1 1 14rem; min-width: 0; font: inherit; padding: 0.45rem 0.6rem; min-height: 2.5rem;
  border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
#notice { border-color: var(--warn); }
[hidden] { display: none !important; }
#services { display: grid; gap: 0.75rem; }
.svc-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem; }
.svc-head h2 { margin: 0; font-size: 1.15rem; margin-right: auto; }
.facts { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; margin: 0.5rem 0; }
.facts div { display: flex; gap: 0.4rem; align-items: baseline; }
.facts dt { color: var(--muted); font-size: 0.9rem; }
.facts dd { margin: 0; }
.badge { display: inline-block; padding: 0.05rem 0.55rem; border-radius: 999px; font-size: 0.82rem;
  font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.st-succeeded, .st-healthy { color: var(--ok); }
.st-running, .st-rendering, .st-restarting, .st-health { color: var(--run); }
.st-reverting, .st-pending, .st-adopted { color: var(--warn); }
.st-failed, .st-reverted, .st-drift, .st-undrained { color: var(--bad); }
.rollout { border-left: 3px solid var(--line); padding: 0.2rem 0 0.2rem 0.7rem; margin: 0.6rem 0; }
.rollout p { margin: 0.15rem 0; }
.rollout progress { width: 100%; height: 0.6rem; accent-color: var(--run); }
.error { color: var(--bad); }
.allocs { list-style: none; padding: 0; margin: 0.5rem 0; display: grid; gap: 0.4rem; }
.alloc { display: grid; grid-template-columns: 1fr auto; gap: 0.15rem 0.6rem; align-items: center;
  padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: 6px; }
.alloc .name { font-weight: 600; }
.alloc .id { color: var(--muted); font-size: 0.85rem; }
.alloc .vals { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; font-size: 0.92rem; }
.alloc .step { grid-column: 2; grid-row: 1; justify-self: end; }
.history summary { cursor: pointer; color: var(--muted); padding: 0.3rem 0; }
.history ol { margin: 0.3rem 0 0; padding-left: 1.2rem; font-size: 0.9rem; display: grid; gap: 0.2rem; }
.waiting { border-left: 3px solid var(--warn); padding: 0.2rem 0 0.2rem 0.7rem; margin: 0.6rem 0; }
.actions { margin: 0.5rem 0; }
.buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; }
button.danger { border-color: var(--bad); color: var(--bad); }
button.primary { border-color: var(--run); background: var(--run); color: #fff; }
button:disabled { opacity: 0.55; cursor: progress; }
.history li button { min-height: 2rem; padding: 0.15rem 0.6rem; margin-left: 0.3rem; }
.action-status { margin: 0.4rem 0 0; font-size: 0.92rem; }
.action-status[data-action-state="failed"] { color: var(--bad); }
dialog { border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg);
  width: min(30rem, calc(100vw - 2rem)); padding: 1rem; }
dialog::backdrop { background: rgb(0 0 0 / 0.45); }
dialog .buttons { justify-content: flex-end; }
dialog input { width: 100%; font: inherit; padding: 0.45rem 0.6rem; min-height: 2.5rem; border-radius: 6px;
  border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
@media (min-width: 48rem) {
  main { padding: 1rem 1.5rem; }
  .alloc { grid-template-columns: minmax(10rem, 1.2fr) 2fr auto; }
  .alloc .vals { grid-column: 2; grid-row: 1; }
  .alloc .step { grid-column: 3; }
}
`;
