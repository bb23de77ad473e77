import type { Freeze } from '../grants/freeze.ts';
import { h, type Html } from '../lib/html.ts';
import type { Session } from './session.ts';
import { STYLESHEET_PATH } from '../lib/page-styles.ts';

export type Section = 'approvals' | 'grants' | 'agents' | 'revocations' | 'audit' | 'emergency' | 'sign-in';

const SECTIONS: { id: Section; label: string; admin: boolean }[] = [
  { id: 'approvals', label: 'Approvals', admin: false },
  { id: 'grants', label: 'Grants', admin: true },
  { id: 'agents', label: 'Agents', admin: true },
  { id: 'revocations', label: 'Revocations', admin: true },
  { id: 'audit', label: 'Audit', admin: true },
];

export interface PageFrame {
  title: string;
  section: Section;
  session: Session | null;
  /** active freezes: every page says so at the top */
  freezes?: readonly Freeze[];
  notice?: Html | null;
}

/** The page shell: navigation, who is signed in, the freeze banner, and the emergency stop on every page. */
export function page(frame: PageFrame, body: Html): Html {
  const s = frame.session;
  const nav = s
    ? h`<nav aria-label="sections">
        ${SECTIONS.filter((x) => !x.admin || s.viewer.admin).map((x) => h`<a href="/console/${x.id}"${x.id === frame.section ? h` aria-current="page"` : ''}>${x.label}</a>`)}
        <a class="emergency" href="/console/emergency"${frame.section === 'emergency' ? h` aria-current="page"` : ''}>Emergency stop</a>
      </nav>
      <form class="who" method="post" action="/console/sign-out">
        <span>${s.viewer.id}</span> <span class="badge">${s.viewer.admin ? 'admin' : 'approver'}</span>
        <input type="hidden" name="csrf" value="${s.csrf}">
        <button type="submit">Sign out</button>
      </form>`
    : h``;
  const freezes = frame.freezes ?? [];
  const banner = freezes.length
    ? h`<p class="banner frozen" role="alert">FROZEN: ${freezes.length} active freeze${freezes.length > 1 ? 's' : ''} — no credentials are issued for what ${freezes.length > 1 ? 'they name' : 'it names'}. <a href="/console/emergency">See the emergency page</a>.</p>`
    : h``;
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${frame.title} · Tollgate</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header><a class="brand" href="/console">Tollgate</a>${nav}</header>
${banner}
<main>
<h1>${frame.title}</h1>
${frame.notice ? h`<p class="notice" role="status">${frame.notice}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

/** A form that changes state: POST, with the session's CSRF token. */
export function postForm(session: Session, action: string, inner: Html, cls = ''): Html {
  return h`<form method="post" action="${action}"${cls ? h` class="${cls}"` : ''}><input type="hidden" name="csrf" value="${session.csrf}">${inner}</form>`;
}
