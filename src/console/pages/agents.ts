import type { Deps } from '../../deps.ts';
import { liftBlocks } from '../../grants/blocks.ts';
import type { Grant } from '../../model/grant.ts';
import { revokeByFilter } from '../../grants/revoke.ts';
import { listGrantsPage } from '../../flows/list-grants.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { revocationBody, revocationFilterOf } from '../../schemas/revocations.ts';
import { liftBlockQuery } from '../../schemas/blocks.ts';
import type { Block } from '../../store/store.ts';
import type { RegisterPages } from '../console-env.ts';
import { filled, parseWith } from '../form-fields.ts';
import { readConsoleForm, requireAdmin } from '../guard.ts';
import { h, query, when, type Html } from '../../lib/html.ts';
import { page, postForm } from '../layout.ts';
import { noticeFor } from '../notices.ts';
import type { Session } from '../session.ts';

/** Agents seen are those of the newest grants: enough for a person's page, bounded for the store. */
const RECENT_GRANTS = 500;
const MAX_AGENTS_SHOWN = 100;

interface Seen {
  agent: string;
  owner: string;
  last: number;
}

/**
 * The agent registry (config), the agents seen lately with their live grants and last activity,
 * and blocks: blocking is a mass revocation with `block` (POST /v1/revocations), unblocking lifts
 * the blocks (DELETE /v1/blocks). Admins only.
 */
export const registerAgentPages: RegisterPages = (ui, deps) => {
  ui.get('/agents', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const [recent, blocks, freezes] = await Promise.all([
      listGrantsPage(deps, {}, RECENT_GRANTS, null),
      deps.store.listBlocks(500),
      deps.store.activeFreezes(),
    ]);
    const seen = agentsSeen(recent.grants).slice(0, MAX_AGENTS_SHOWN);
    const live = await Promise.all(seen.map((s) => deps.store.countLive({ agent: s.agent })));
    return c.html(page({ title: 'Agents', section: 'agents', session, freezes, notice: noticeFor(c.req.query('done')) }, body(deps, session, seen, live, blocks)));
  });

  ui.post('/agents/block', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const b = parseWith(revocationBody, { ...filled(form, ['agent', 'reason']), block: true });
    await revokeByFilter(deps, { filter: revocationFilterOf(b), reason: b.reason, by: session.viewer.id, requestId: c.get('requestId'), block: true });
    return c.redirect('/console/agents?done=blocked', 303);
  });

  ui.post('/agents/unblock', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const q = parseWith(liftBlockQuery, filled(form, ['agent', 'principal']));
    const [kind, subject] = q.agent !== undefined ? (['agent', q.agent] as const) : (['principal', q.principal!] as const);
    const lifted = await liftBlocks(deps, kind, subject, session.viewer.id, c.get('requestId'));
    if (lifted === 0) throw new OAuthError('not_found', `no block on that ${kind}`);
    return c.redirect('/console/agents?done=unblocked', 303);
  });
};

/** Each agent of these grants (newest first) once, with its owner and its newest grant's time. */
function agentsSeen(grants: readonly Grant[]): Seen[] {
  const out = new Map<string, Seen>();
  for (const g of grants) if (!out.has(g.agent)) out.set(g.agent, { agent: g.agent, owner: g.owner, last: g.created_at });
  return [...out.values()];
}

function body(deps: Deps, session: Session, seen: readonly Seen[], live: readonly number[], blocks: readonly Block[]): Html {
  const now = deps.now();
  const blocked = new Set(blocks.filter((b) => b.kind === 'agent').map((b) => b.subject));
  const registry = deps.config.agents;
  const unblock = (kind: Block['kind'], subject: string) => postForm(session, '/console/agents/unblock', h`<input type="hidden" name="${kind}" value="${subject}"><button type="submit" class="secondary">Unblock</button>`, 'inline');
  const block = (agent: string) =>
    postForm(session, '/console/agents/block', h`<input type="hidden" name="agent" value="${agent}"><input name="reason" required maxlength="500" placeholder="reason"><button type="submit" class="danger">Block</button>`, 'inline');
  return h`
    <h2>Registry</h2>
    <table><thead><tr><th>Agent (or pattern)</th><th>Owner</th><th>Approvers</th><th>Max TTL</th><th>Risk</th></tr></thead><tbody>
      ${registry.map((a) => h`<tr><td><code>${a.id}</code></td><td>${a.owner}</td><td>${a.approvers.length ? a.approvers.join(', ') : h`<span class="muted">the owner</span>`}</td><td>${a.max_ttl === undefined ? h`<span class="muted">server default</span>` : `${a.max_ttl}s`}</td><td>${a.risk}</td></tr>`)}
    </tbody></table>
    <h2>Agents seen <span class="muted">(in the newest ${RECENT_GRANTS} grants)</span></h2>
    ${seen.length
      ? h`<table><thead><tr><th>Agent</th><th>Owner</th><th>Live grants</th><th>Last grant</th><th>Registered as</th><th></th></tr></thead><tbody>
        ${seen.map((s, i) => h`<tr data-agent="${s.agent}"><td><a href="/console/grants${query({ agent: s.agent })}"><code>${s.agent}</code></a></td><td>${s.owner}</td><td>${live[i] ?? 0}</td><td>${when(s.last, now)}</td>
          <td>${deps.agents.lookup(s.agent) ? h`<code>${deps.agents.lookup(s.agent)!.id}</code>` : h`<span class="bad">unregistered</span>`}</td>
          <td>${blocked.has(s.agent) ? h`<span class="badge bad">blocked</span> ${unblock('agent', s.agent)}` : block(s.agent)}</td></tr>`)}
      </tbody></table>`
      : h`<p class="muted">No grants yet.</p>`}
    <h2>Block an agent</h2>
    ${postForm(session, '/console/agents/block', h`<div class="actions"><label>Agent <input name="agent" required maxlength="2048" size="50"></label><label>Reason <input name="reason" required maxlength="500"></label><button type="submit" class="danger">Block and revoke its grants</button></div>`)}
    <h2>Blocks in force</h2>
    ${blocks.length
      ? h`<table><thead><tr><th>Kind</th><th>Subject</th><th>Since</th><th>Revocation</th><th></th></tr></thead><tbody>
        ${blocks.map((b) => h`<tr data-block="${b.subject}"><td>${b.kind}</td><td><code>${b.subject}</code></td><td>${when(b.created_at, now)}</td><td><a href="/console/revocations/${b.revocation_id}"><code>${b.revocation_id}</code></a></td><td>${unblock(b.kind, b.subject)}</td></tr>`)}
      </tbody></table>`
      : h`<p class="muted">None.</p>`}`;
}

