import type { Deps } from '../../deps.ts';
import { statusAt, type Grant } from '../../model/grant.ts';
import { receiptFor } from '../../grants/receipt.ts';
import { revokeByFilter } from '../../grants/revoke.ts';
import { listGrantsPage } from '../../flows/list-grants.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { GRANT_STATUSES, grantListFilterOf, grantListQuery } from '../../schemas/grants.ts';
import { revocationBody, revocationFilterOf } from '../../schemas/revocations.ts';
import type { RegisterPages } from '../console-env.ts';
import { filled, parseWith } from '../form-fields.ts';
import { readConsoleForm, requireAdmin } from '../guard.ts';
import { h, query, when, type Html } from '../../lib/html.ts';
import { page, postForm } from '../layout.ts';
import { noticeFor } from '../notices.ts';
import type { Session } from '../session.ts';

const FILTERS = ['agent', 'principal', 'owner', 'task_id', 'resource', 'provider'] as const;
const PAGE_SIZE = 50;
/** Derived grants share their parent's task: the detail page looks for them among the task's newest grants. */
const TASK_SCAN = 500;

/**
 * The grant inventory (GET /v1/grants), one grant's detail, revoking one, and revoking by filter
 * after a dry-run count (POST /v1/revocations with `dry_run`, then without). Admins only.
 */
export const registerGrantPages: RegisterPages = (ui, deps) => {
  ui.get('/grants', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const given = filled(c.req.query(), [...FILTERS, 'status', 'cursor']);
    const q = parseWith(grantListQuery, { ...given, limit: String(PAGE_SIZE) });
    const [list, freezes] = await Promise.all([listGrantsPage(deps, grantListFilterOf(q), PAGE_SIZE, q.cursor ?? null), deps.store.activeFreezes()]);
    const now = deps.now();
    const filters = filled(given, FILTERS);
    const body = h`
      <form method="get" action="/console/grants" class="filters">
        ${FILTERS.map((k) => h`<label>${k} <input name="${k}" value="${given[k] ?? ''}" maxlength="2048"></label>`)}
        <label>status <select name="status"><option value="">any</option>${GRANT_STATUSES.map((s) => h`<option${s === q.status ? h` selected` : ''}>${s}</option>`)}</select></label>
        <button type="submit">Filter</button> <a href="/console/grants">clear</a>
      </form>
      ${Object.keys(filters).length ? h`<p><a href="/console/grants/revoke${query(filters)}">Revoke the live grants these filters match…</a> <span class="muted">(a dry run counts them first)</span></p>` : ''}
      ${grantTable(list.grants, now)}
      ${list.next_cursor ? h`<p><a href="/console/grants${query({ ...given, cursor: list.next_cursor })}">Older grants →</a></p>` : ''}`;
    return c.html(page({ title: 'Grants', section: 'grants', session, freezes }, body));
  });

  // The dry run: how many live grants the filter names, and the form that revokes them.
  ui.get('/grants/revoke', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const b = parseWith(revocationBody, { ...filled(c.req.query(), FILTERS), dry_run: true });
    const filter = revocationFilterOf(b);
    const [matched, freezes] = await Promise.all([deps.store.countLive(filter), deps.store.activeFreezes()]);
    const shown = filled(c.req.query(), FILTERS);
    const body = h`
      <p>Filter: ${Object.entries(shown).map(([k, v], i) => h`${i ? ' and ' : ''}${k} = <code>${v}</code>`)}</p>
      <p class="panel" data-dry-run="${matched}"><strong>${matched}</strong> live grant${matched === 1 ? '' : 's'} match${matched === 1 ? 'es' : ''} this filter right now (dry run: nothing was changed).</p>
      ${matched > 0
        ? postForm(session, '/console/grants/revoke', h`${Object.entries(shown).map(([k, v]) => h`<input type="hidden" name="${k}" value="${v}">`)}
            <div class="actions"><label>Reason <input name="reason" required maxlength="500" size="40"></label><button type="submit" class="danger">Revoke ${matched} grant${matched === 1 ? '' : 's'}</button></div>`)
        : h`<p><a href="/console/grants${query(shown)}">Back to the grants</a></p>`}`;
    return c.html(page({ title: 'Revoke by filter', section: 'grants', session, freezes }, body));
  });

  ui.post('/grants/revoke', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const b = parseWith(revocationBody, filled(form, [...FILTERS, 'reason']));
    const record = await revokeByFilter(deps, { filter: revocationFilterOf(b), reason: b.reason, by: session.viewer.id, requestId: c.get('requestId') });
    return c.redirect(`/console/revocations/${record.id}?done=revoked`, 303);
  });

  ui.get('/grants/:id', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const grant = await deps.store.getGrant(c.req.param('id').slice(0, 80));
    if (!grant) throw new OAuthError('not_found', 'no such grant');
    const [task, jobs, freezes] = await Promise.all([
      listGrantsPage(deps, { task_id: grant.task_id }, TASK_SCAN, null),
      deps.store.jobsForGrants([grant.id]),
      deps.store.activeFreezes(),
    ]);
    const derived = task.grants.filter((g) => g.parent_grant_id === grant.id);
    return c.html(page({ title: `Grant ${grant.id}`, section: 'grants', session, freezes, notice: noticeFor(c.req.query('done')) }, detail(deps, session, grant, derived, jobs.length > 0)));
  });

  ui.post('/grants/:id/revoke', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const b = parseWith(revocationBody, { grant_ids: [c.req.param('id')], ...filled(form, ['reason']) });
    const record = await revokeByFilter(deps, { filter: revocationFilterOf(b), reason: b.reason, by: session.viewer.id, requestId: c.get('requestId') });
    return c.redirect(`/console/revocations/${record.id}?done=revoked`, 303);
  });
};

export function grantTable(grants: readonly Grant[], now: number): Html {
  if (grants.length === 0) return h`<p class="muted">No grants.</p>`;
  return h`<table><thead><tr><th>Grant</th><th>Status</th><th>Agent</th><th>Acts for</th><th>Task</th><th>Scope</th><th>Created</th><th>Expires</th></tr></thead><tbody>
    ${grants.map((g) => {
      const status = statusAt(g, now);
      return h`<tr data-grant="${g.id}"><td><a href="/console/grants/${g.id}"><code>${g.id}</code></a></td><td class="status-${status}">${status}</td><td><code>${g.agent}</code></td><td>${g.principal ? h`<code>${g.principal}</code>` : h`<span class="muted">—</span>`}</td><td><code>${g.task_id}</code></td><td><code>${g.scope}</code></td><td>${when(g.created_at, now)}</td><td>${when(g.expires_at, now)}</td></tr>`;
    })}
  </tbody></table>`;
}

function detail(deps: Deps, session: Session, g: Grant, derived: readonly Grant[], jobOpen: boolean): Html {
  const now = deps.now();
  const status = statusAt(g, now);
  const live = status === 'active' || status === 'issuing' || status === 'pending_approval';
  const receipt = g.status === 'revoked' ? receiptFor(g, deps.providers.get(g.provider), jobOpen) : null;
  const field = (label: string, value: Html | string | null) => h`<dt>${label}</dt><dd>${value === null ? h`<span class="muted">—</span>` : value}</dd>`;
  return h`
    <dl class="fields">
      ${field('Status', h`<span class="status-${status}">${status}</span>${g.status_reason ? h` — ${g.status_reason}` : ''}`)}
      ${field('Agent', h`<code>${g.agent}</code>`)}
      ${field('Owner', g.owner)}
      ${field('Acts for', g.principal ? h`<code>${g.principal}</code>` : null)}
      ${field('Task', h`<a href="/console/grants${query({ task_id: g.task_id })}"><code>${g.task_id}</code></a>`)}
      ${field('Resource', h`<code>${g.resource}</code> via ${g.provider}`)}
      ${field('Scope', h`<code>${g.scope}</code>`)}
      ${field('Intent', g.intent ? h`<span class="intent">${g.intent}</span>` : null)}
      ${field('Policies', g.policy_ids.length ? h`${g.policy_ids.map((p, i) => h`${i ? ', ' : ''}<code>${p}</code>`)}` : null)}
      ${field('Approval', g.approval)}
      ${field('Credential', h`<code>${g.token_type}</code>${g.credential_fingerprint ? h` <span class="muted">fingerprint</span> <code>${g.credential_fingerprint}</code>` : ''}`)}
      ${field('Created', when(g.created_at, now))}
      ${field('Issued', when(g.issued_at, now))}
      ${field('Expires', when(g.expires_at, now))}
      ${field('Upstream credential expires', when(g.credential_expires_at, now))}
      ${field('Revoked', when(g.revoked_at, now))}
      ${field('Derived from', g.parent_grant_id ? h`<a href="/console/grants/${g.parent_grant_id}"><code>${g.parent_grant_id}</code></a>` : null)}
      ${receipt ? field('Receipt', h`<strong>${receipt.status}</strong>${receipt.expires_at !== undefined ? h` until ${receipt.expires_at ?? 'never (rotate it)'}` : ''}${receipt.detail ? h` — ${receipt.detail}` : ''}`) : ''}
    </dl>
    <h2>Derived grants</h2>
    ${derived.length ? grantTable(derived, now) : h`<p class="muted">None: no sub-agent narrowed this grant.</p>`}
    ${live ? h`<section class="panel danger"><h2>Revoke</h2>${postForm(session, `/console/grants/${g.id}/revoke`, h`<div class="actions"><label>Reason <input name="reason" required maxlength="500" size="40"></label><button type="submit" class="danger">Revoke this grant</button></div>`)}</section>` : ''}`;
}
