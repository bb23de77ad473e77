import type { AuditEvent } from '../../audit/event.ts';
import { verifyLiveChain } from '../../audit/verify-live.ts';
import type { Deps } from '../../deps.ts';
import { inertJson } from '../../lib/inert-json.ts';
import type { RegisterPages } from '../console-env.ts';
import { filled } from '../form-fields.ts';
import { requireAdmin } from '../guard.ts';
import { h, query, when, type Html } from '../../lib/html.ts';
import { page } from '../layout.ts';

const SHOWN = 100;
const WINDOW = 1000;
/** A filtered view reads back at most this many events per page. */
const MAX_SCANNED = 20_000;
const FILTERS = ['type', 'agent', 'principal', 'task_id', 'grant_id'] as const;

/**
 * Recent audit events, newest first, with filters (exact values; `type` also as a prefix such
 * as `grant.`), the chain's head and, on request, its verification (GET /v1/audit/verify).
 * Admins only.
 */
export const registerAuditPages: RegisterPages = (ui, deps) => {
  ui.get('/audit', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const f = filled(c.req.query(), FILTERS);
    const beforeRaw = Number(c.req.query('before'));
    const [head, freezes] = await Promise.all([deps.store.auditHead(), deps.store.activeFreezes()]);
    const before = Number.isSafeInteger(beforeRaw) && beforeRaw > 0 ? beforeRaw : (head?.seq ?? 0) + 1;
    const { events, next } = await recent(deps, before, (e) => matches(e, f));
    const report = c.req.query('verify') === '1' ? await verifyLiveChain(deps.store, { keys: deps.keyring, ...(deps.sha256 ? { digest: deps.sha256 } : {}) }) : null;
    const now = deps.now();
    const body = h`
      <section class="panel">
        <p>Head: ${head ? h`seq <strong>${head.seq}</strong>, hash <code data-field="head-hash">${head.hash}</code>` : h`<span class="muted">empty log</span>`}</p>
        ${report
          ? h`<p data-chain="${report.ok ? 'ok' : 'broken'}" class="${report.ok ? 'ok' : 'bad'}"><strong>${report.ok ? 'Chain verified' : 'Chain BROKEN'}</strong>: ${report.checked} events checked${report.from_checkpoint ? h` from the signed checkpoint at seq ${report.from_checkpoint.seq_to}` : ''}.</p>
             ${report.problems.length ? h`<ul>${report.problems.slice(0, 50).map((p) => h`<li>seq ${p.seq}: ${p.kind} — ${p.detail}</li>`)}</ul>` : ''}`
          : h`<p><a href="/console/audit${query({ ...f, verify: '1' })}">Verify the chain</a> <span class="muted">(reads every retained event)</span></p>`}
      </section>
      <form method="get" action="/console/audit" class="filters">
        ${FILTERS.map((k) => h`<label>${k}${k === 'type' ? ' (or prefix)' : ''} <input name="${k}" value="${f[k] ?? ''}" maxlength="2048"></label>`)}
        <button type="submit">Filter</button> <a href="/console/audit">clear</a>
      </form>
      ${events.length ? table(events, now) : h`<p class="muted">No events${Object.keys(f).length ? ' match' : ''}.</p>`}
      ${next !== null ? h`<p><a href="/console/audit${query({ ...f, before: String(next) })}">Older events →</a></p>` : ''}`;
    return c.html(page({ title: 'Audit', section: 'audit', session, freezes }, body));
  });
};

/** Up to SHOWN matching events with seq < before, newest first, reading back window by window; `next` continues below. */
async function recent(deps: Deps, before: number, keep: (e: AuditEvent) => boolean): Promise<{ events: AuditEvent[]; next: number | null }> {
  const out: AuditEvent[] = [];
  let upper = before;
  let scanned = 0;
  while (upper > 1 && out.length < SHOWN && scanned < MAX_SCANNED) {
    const from = Math.max(0, upper - 1 - WINDOW);
    const batch = await deps.store.readAudit(from, upper - 1 - from);
    scanned += WINDOW;
    for (let i = batch.length - 1; i >= 0 && out.length < SHOWN; i--) {
      const e = batch[i]!;
      if (e.seq < upper && keep(e)) out.push(e);
    }
    // Stop where the page ends: at the last event shown, or at the bottom of this window.
    upper = out.length >= SHOWN ? out.at(-1)!.seq : from + 1;
  }
  return { events: out, next: upper > 1 ? upper : null };
}

function matches(e: AuditEvent, f: Record<string, string>): boolean {
  if (f.type !== undefined && !(e.type === f.type || (f.type.endsWith('.') && e.type.startsWith(f.type)))) return false;
  for (const k of ['agent', 'principal', 'task_id', 'grant_id'] as const) if (f[k] !== undefined && e[k] !== f[k]) return false;
  return true;
}

function table(events: readonly AuditEvent[], now: number): Html {
  return h`<table><thead><tr><th>Seq</th><th>Time</th><th>Type</th><th>Agent</th><th>Acts for</th><th>Task</th><th>Grant</th><th>Decision</th><th>Reason</th><th>Detail</th></tr></thead><tbody>
    ${events.map((e) => h`<tr data-seq="${e.seq}"><td>${e.seq}</td><td>${when(e.time, now)}</td><td><code>${e.type}</code></td><td>${e.agent ? h`<code>${e.agent}</code>` : ''}</td><td>${e.principal ? h`<code>${e.principal}</code>` : ''}</td><td>${e.task_id ? h`<code>${e.task_id}</code>` : ''}</td>
      <td>${e.grant_id ? h`<a href="/console/grants/${e.grant_id}"><code>${e.grant_id}</code></a>` : ''}</td><td>${e.decision ?? ''}</td><td>${e.reason ?? ''}</td><td>${e.detail ? h`<code>${truncate(inertJson(e.detail), 400)}</code>` : ''}</td></tr>`)}
  </tbody></table>`;
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
