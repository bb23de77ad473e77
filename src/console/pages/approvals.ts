import type { Approval } from '../../approvals/approval.ts';
import { APPROVAL_ID } from '../../approvals/approval.ts';
import { answerApproval } from '../../approvals/answer-approval.ts';
import { rulesFor } from '../../approvals/approvers.ts';
import { mayView } from '../../approvals/may-view.ts';
import type { Deps } from '../../deps.ts';
import type { ActClaim } from '../../model/grant.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { approvalReason } from '../../schemas/approvals.ts';
import { currentRisk } from '../../risk/current-risk.ts';
import type { RegisterPages } from '../console-env.ts';
import { readConsoleForm } from '../guard.ts';
import { h, when, type Html } from '../../lib/html.ts';
import { page, postForm } from '../layout.ts';
import { noticeFor } from '../notices.ts';
import type { Session } from '../session.ts';
import { approvalViewer } from '../viewer.ts';

/** How many requests the inbox reads: waiting ones first, then the latest answered. */
const PENDING_SCAN = 200;
const RECENT_SHOWN = 20;

/**
 * The approvals inbox. Each person sees what the approval rules let them see (mayView: what they
 * may answer, or what was asked on their behalf; admins everything) and gets answer buttons only
 * for what they may answer. Answers go through answerApproval, as POST /v1/approvals/{id}/approve
 * does: the same entitlement check against the stored request, the same audit events.
 */
export const registerApprovalPages: RegisterPages = (ui, deps) => {
  ui.get('/approvals', async (c) => {
    const session = c.get('session');
    const viewer = approvalViewer(session.viewer);
    const groups = deps.config.approvals.groups;
    const now = deps.now();
    const [pending, latest, freezes] = await Promise.all([
      deps.store.listApprovals({ status: 'pending' }, PENDING_SCAN, null),
      deps.store.listApprovals({}, PENDING_SCAN, null),
      deps.store.activeFreezes(),
    ]);
    const visible = (list: Approval[]) => list.filter((a) => mayView(viewer, a, groups));
    const waiting = visible(pending.approvals).filter((a) => a.expires_at > now);
    const answered = visible(latest.approvals).filter((a) => a.status !== 'pending' || a.expires_at <= now).slice(0, RECENT_SHOWN);
    const cards = await Promise.all(waiting.map((a) => card(deps, session, a, now)));
    const past = await Promise.all(answered.map((a) => card(deps, session, a, now)));
    const body = h`
      <h2>Waiting for a decision <span class="badge">${waiting.length}</span></h2>
      ${cards.length ? cards : h`<p class="muted">Nothing is waiting for you.</p>`}
      <h2>Recently decided or expired</h2>
      ${past.length ? past : h`<p class="muted">None.</p>`}`;
    return c.html(page({ title: 'Approvals', section: 'approvals', session, freezes, notice: noticeFor(c.req.query('done')) }, body));
  });

  for (const verdict of ['approve', 'deny'] as const) {
    ui.post(`/approvals/:id/${verdict}`, async (c) => {
      const session = c.get('session');
      const form = await readConsoleForm(c, deps, session.csrf);
      const id = c.req.param('id');
      if (!APPROVAL_ID.test(id)) throw new OAuthError('not_found', 'no such approval');
      // Only a person answers, as with the API: an admin key never approves anything.
      const human = session.viewer.human;
      if (!human) throw new OAuthError('access_denied', 'approvals are answered by a person signed in with their own identity, not with an admin key');
      const reasonText = (form.get('reason') ?? '').trim();
      const parsed = approvalReason.safeParse(reasonText);
      if (!parsed.success) throw new OAuthError('invalid_request', 'reason: at most 512 characters, one line, no control or bidirectional formatting characters');
      const a = await answerApproval(deps, id, human, verdict, reasonText === '' ? null : parsed.data, c.get('requestId'));
      return c.redirect(`/console/approvals?done=${verdict === 'deny' ? 'denied' : a.status === 'approved' ? 'approved' : 'approved_partly'}`, 303);
    });
  }
};

async function card(deps: Deps, session: Session, a: Approval, now: number): Promise<Html> {
  const [grant, risk] = await Promise.all([
    deps.store.getGrant(a.grant_id),
    currentRisk(deps, a.agent, deps.agents.lookup(a.agent)?.risk ?? 'low', a.principal),
  ]);
  const expired = a.status === 'pending' && a.expires_at <= now;
  const status = expired ? 'expired' : a.status;
  const human = session.viewer.human;
  const mine = human ? rulesFor(a, human, deps.config.approvals.groups) : [];
  // As answerApproval counts it: a rule this person answers that has no approving answer yet.
  const answerable = status === 'pending' && mine.some((r) => !a.decisions.some((d) => d.rule === r && d.verdict === 'approve'));
  const chain = actChain(grant?.act ?? null);
  const answer = answerable
    ? h`<div class="actions">
        ${postForm(session, `/console/approvals/${a.id}/approve`, h`<label>Reason (optional) <input name="reason" maxlength="512" size="40"></label> <button type="submit">Approve</button>`, 'inline')}
        ${postForm(session, `/console/approvals/${a.id}/deny`, h`<label>Reason (optional) <input name="reason" maxlength="512" size="40"></label> <button type="submit" class="danger">Deny</button>`, 'inline')}
      </div>`
    : status === 'pending'
      ? h`<p class="muted">You may see this request but not answer it${human ? '' : ' (an admin key never approves)'}.</p>`
      : h``;
  return h`<article class="approval${status === 'pending' ? ' waiting' : ''}" id="${a.id}" data-approval="${a.id}">
    <p><span class="badge status-${status}">${status}</span> <strong>${a.actions.join(', ')}</strong> on <code>${a.resource}</code> ${a.kind === 'call' ? h`<span class="badge">tool call</span>` : h`<span class="badge">grant</span>`} <span class="muted mono">${a.id}</span></p>
    <dl class="fields">
      <dt>Agent</dt><dd><code data-field="agent">${a.agent}</code></dd>
      <dt>Owner</dt><dd data-field="owner">${a.owner}</dd>
      <dt>Acts for</dt><dd data-field="principal">${a.principal === null ? h`<span class="muted">nobody (the agent acts on its own)</span>` : h`<code>${a.principal}</code>`}</dd>
      <dt>Act chain</dt><dd data-field="act">${chain.length ? h`${chain.map((s, i) => h`${i ? ' → ' : ''}<code>${s}</code>`)}` : h`<span class="muted">none</span>`}</dd>
      <dt>Task</dt><dd><code data-field="task">${a.task_id}</code></dd>
      <dt>Intent</dt><dd>${a.intent === null || a.intent === '' ? h`<span class="muted">none given</span>` : h`<span class="intent" data-field="intent">${a.intent}</span>`}</dd>
      ${a.kind === 'call' ? h`<dt>Tool</dt><dd><code data-field="tool">${a.tool ?? '—'}</code></dd><dt>Arguments digest</dt><dd><code data-field="arguments-digest">${a.arguments_digest ?? '—'}</code></dd>` : ''}
      <dt>Risk</dt><dd data-field="risk">agent ${risk.agent}${risk.principal ? `, principal ${risk.principal}` : ''}</dd>
      <dt>Asked</dt><dd>${when(a.created_at, now)}</dd>
      <dt>Expires</dt><dd>${when(a.expires_at, now)}</dd>
      <dt>Needs</dt><dd>${a.rules.map((r) => h`<span class="badge">${r}${a.decisions.some((d) => d.rule === r && d.verdict === 'approve') ? ' ✓' : ''}</span> `)}${mine.length ? h` <span class="muted">you answer: ${mine.join(', ')}</span>` : ''}</dd>
      ${a.decisions.length ? h`<dt>Answers</dt><dd>${a.decisions.map((d) => h`<div>${d.verdict} (${d.rule}) by <code>${d.by}</code> ${when(d.at, now)}${d.reason ? h` — ${d.reason}` : ''}</div>`)}</dd>` : ''}
    </dl>
    ${answer}
  </article>`;
}

/** The delegation chain, first actor first: the nested `act` claim holds the current actor outermost (RFC 8693 §4.1). */
function actChain(act: ActClaim | null): string[] {
  const out: string[] = [];
  for (let a: ActClaim | undefined = act ?? undefined; a && out.length < 16; a = a.act) out.push(a.sub);
  return out.reverse();
}
