/** Served from this origin (the CSP allows styles from 'self' only, and no inline style). */
export const STYLESHEET_PATH = '/console/assets/console.css';

export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #667085; --line: #d0d5dd; --accent: #1849a9; --danger: #b42318; --ok: #067647; --warn: #b54708; --code: #f2f4f7; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e7ec; --bg: #101828; --muted: #98a2b3; --line: #344054; --accent: #84adff; --danger: #f97066; --ok: #47cd89; --warn: #fdb022; --code: #1d2939; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
nav { display: flex; flex-wrap: wrap; gap: .8rem; flex: 1; }
nav a { text-decoration: none; color: var(--accent); padding: .15rem .2rem; }
nav a[aria-current=page] { border-bottom: 2px solid currentColor; }
nav a.emergency { margin-left: auto; color: #fff; background: var(--danger); border-radius: 4px; padding: .15rem .6rem; font-weight: 600; }
.who { display: flex; gap: .5rem; align-items: center; margin: 0; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); white-space: nowrap; }
td, dd { overflow-wrap: anywhere; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88em; background: var(--code); padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.badge { display: inline-block; font-size: .78rem; padding: 0 .45rem; border: 1px solid var(--line); border-radius: 999px; }
.status-active, .status-approved, .ok { color: var(--ok); }
.status-revoked, .status-denied, .status-failed, .bad { color: var(--danger); }
.status-pending, .status-pending_approval, .status-issuing, .status-running { color: var(--warn); }
.banner { margin: 0; padding: .6rem 1.2rem; font-weight: 600; }
.banner.frozen { background: var(--danger); color: #fff; }
.banner.frozen a { color: #fff; }
.notice { padding: .5rem .8rem; border-left: 4px solid var(--accent); background: var(--code); }
.error { border-left-color: var(--danger); }
article.approval { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: 0 0 1rem; }
article.approval.waiting { border-left: 5px solid var(--warn); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0 .8rem; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; }
.intent { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; background: var(--code); padding: .2rem .4rem; border-radius: 3px; }
pre.schema { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .82em; background: var(--code); padding: .4rem .6rem; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; margin: .2rem 0; max-height: 28rem; overflow: auto; }
td:first-child > code { white-space: nowrap; }
time { white-space: nowrap; }
form { margin: .3rem 0; }
form.inline { display: inline-flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
label { display: inline-flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
a.button { display: inline-block; padding: .35rem .8rem; border-radius: 4px; background: var(--accent); color: #fff; text-decoration: none; }
button.danger { background: var(--danger); border-color: var(--danger); }
button.secondary { background: var(--bg); color: var(--fg); }
.actions { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: 0 0 1rem; }
.panel.danger { border-color: var(--danger); }
`;
