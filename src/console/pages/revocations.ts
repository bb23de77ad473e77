import { receiptFor, receiptTotals } from '../../grants/receipt.ts';
import { listGrantsPage } from '../../flows/list-grants.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import type { RevocationFilter, RevocationRecord } from '../../store/store.ts';
import type { RegisterPages } from '../console-env.ts';
import { requireAdmin } from '../guard.ts';
import { h, query, when, type Html } from '../../lib/html.ts';
import { page } from '../layout.ts';
import { noticeFor } from '../notices.ts';

const LISTED = 50;
const RECEIPTS_PER_PAGE = 100;

/** Mass revocations (GET /v1/revocations): progress, and each one's receipt totals and per-grant receipts. Admins only. */
export const registerRevocationPages: RegisterPages = (ui, deps) => {
  ui.get('/revocations', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const [records, freezes] = await Promise.all([deps.store.listRevocations(LISTED), deps.store.activeFreezes()]);
    const now = deps.now();
    const body = records.length
      ? h`<table><thead><tr><th>Revocation</th><th>Status</th><th>Filter</th><th>Reason</th><th>By</th><th>Revoked</th><th>Started</th></tr></thead><tbody>
          ${records.map((r) => h`<tr data-revocation="${r.id}"><td><a href="/console/revocations/${r.id}"><code>${r.id}</code></a></td><td class="status-${status(r)}">${status(r)}</td><td>${filterText(r.filter)}${r.block ? h` <span class="badge bad">block</span>` : ''}</td><td>${r.reason}</td><td><code>${r.requested_by}</code></td><td>${r.revoked_count}</td><td>${when(r.created_at, now)}</td></tr>`)}
        </tbody></table>`
      : h`<p class="muted">No mass revocation yet.</p>`;
    return c.html(page({ title: 'Revocations', section: 'revocations', session, freezes }, body));
  });

  ui.get('/revocations/:id', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const record = await deps.store.getRevocation(c.req.param('id').slice(0, 64));
    if (!record) throw new OAuthError('not_found', 'no such revocation');
    const cursor = c.req.query('cursor')?.slice(0, 512) ?? null;
    const [tally, receipts, freezes] = await Promise.all([
      deps.store.revocationTally(record.id),
      listGrantsPage(deps, { revoked_by: record.id }, RECEIPTS_PER_PAGE, cursor),
      deps.store.activeFreezes(),
    ]);
    const open = new Set((await deps.store.jobsForGrants(receipts.grants.map((g) => g.id))).map((j) => j.grant_id));
    const totals = receiptTotals(tally, deps.providers);
    const now = deps.now();
    const body = h`
      <dl class="fields">
        <dt>Status</dt><dd class="status-${status(record)}">${status(record)}</dd>
        <dt>Filter</dt><dd>${filterText(record.filter)}${record.block ? h` <span class="badge bad">block</span>` : ''}</dd>
        <dt>Reason</dt><dd>${record.reason}</dd>
        <dt>By</dt><dd><code>${record.requested_by}</code></dd>
        <dt>Started</dt><dd>${when(record.created_at, now)}</dd>
        <dt>Finished</dt><dd>${when(record.finished_at, now)}</dd>
        <dt>Revoked</dt><dd data-field="revoked">${record.revoked_count}</dd>
        <dt>Receipts</dt><dd>${totals.revoked} revoked, ${totals.pending} pending upstream, ${totals.expires_at} working until they expire${totals.last_expiry ? h` (the last at ${totals.last_expiry})` : ''}, ${totals.static_secrets} static secret${totals.static_secrets === 1 ? '' : 's'} to rotate</dd>
      </dl>
      <h2>Per grant</h2>
      ${receipts.grants.length
        ? h`<table><thead><tr><th>Grant</th><th>Agent</th><th>Task</th><th>Receipt</th></tr></thead><tbody>
            ${receipts.grants.map((g) => {
              const r = receiptFor(g, deps.providers.get(g.provider), open.has(g.id));
              return h`<tr data-grant="${g.id}"><td><a href="/console/grants/${g.id}"><code>${g.id}</code></a></td><td><code>${g.agent}</code></td><td><code>${g.task_id}</code></td><td>${r.status}${r.expires_at !== undefined ? h` until ${r.expires_at ?? 'never'}` : ''}${r.detail ? h` <span class="muted">— ${r.detail}</span>` : ''}</td></tr>`;
            })}
          </tbody></table>
          ${receipts.next_cursor ? h`<p><a href="/console/revocations/${record.id}${query({ cursor: receipts.next_cursor })}">More →</a></p>` : ''}`
        : h`<p class="muted">${record.finished_at === null ? 'Its grants are still being marked.' : 'It matched no live grant.'}</p>`}`;
    return c.html(page({ title: `Revocation ${record.id}`, section: 'revocations', session, freezes, notice: noticeFor(c.req.query('done')) }, body));
  });
};

const status = (r: RevocationRecord) => (r.finished_at === null ? 'running' : 'finished');

export function filterText(f: RevocationFilter): Html {
  if (f.all) return h`<strong>everything</strong>${f.issued_before !== undefined ? h` issued before ${new Date(f.issued_before).toISOString()}` : ''}`;
  const parts: Html[] = [];
  for (const k of ['agent', 'principal', 'owner', 'provider', 'resource', 'task_id'] as const) if (f[k] !== undefined) parts.push(h`${k} <code>${f[k]!}</code>`);
  if (f.grant_ids) parts.push(h`${f.grant_ids.length === 1 ? h`grant <a href="/console/grants/${f.grant_ids[0]!}"><code>${f.grant_ids[0]!}</code></a>` : h`${f.grant_ids.length} grants`}`);
  if (f.issued_before !== undefined) parts.push(h`issued before ${new Date(f.issued_before).toISOString()}`);
  return h`${parts.map((p, i) => h`${i ? ', ' : ''}${p}`)}`;
}

