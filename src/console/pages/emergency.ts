import type { Deps } from '../../deps.ts';
import { FREEZE_FIELDS, type Freeze } from '../../grants/freeze.ts';
import { liftFreezes, scopeOf, startFreeze } from '../../grants/freezes.ts';
import { revokeByFilter } from '../../grants/revoke.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { FREEZE_ID, freezeBody, freezeScopeFields, operatorReason } from '../../schemas/freeze.ts';
import type { RevocationFilter } from '../../store/store.ts';
import { z } from 'zod';
import type { RegisterPages } from '../console-env.ts';
import { filled, parseWith } from '../form-fields.ts';
import { readConsoleForm, requireAdmin } from '../guard.ts';
import { h, when, type Html } from '../../lib/html.ts';
import { page, postForm } from '../layout.ts';
import { noticeFor } from '../notices.ts';
import type { Session } from '../session.ts';

/** What a person types to confirm a kill: a click alone never revokes everything. */
export const KILL_CONFIRMATION = 'KILL';

const killBody = z.object({ reason: operatorReason, ...freezeScopeFields, confirm: z.string().max(16) }).strict();

/**
 * The emergency stop, one link away from every page. Freeze and unfreeze are startFreeze /
 * liftFreezes, as POST/DELETE /v1/freeze; kill is the mass revocation of POST /v1/revocations
 * (everything, or what the scope names), after a typed confirmation. Admins act; anyone signed in
 * sees whether Tollgate is frozen.
 */
export const registerEmergencyPages: RegisterPages = (ui, deps) => {
  ui.get('/emergency', async (c) => {
    const session = c.get('session');
    const freezes = await deps.store.activeFreezes();
    const live = session.viewer.admin ? await deps.store.countLive({ all: true }) : null;
    return c.html(page({ title: 'Emergency stop', section: 'emergency', session, freezes, notice: noticeFor(c.req.query('done')) }, body(deps, session, freezes, live)));
  });

  ui.post('/emergency/freeze', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const b = parseWith(freezeBody, filled(form, ['reason', ...FREEZE_FIELDS]));
    await startFreeze(deps, scopeOf(b), b.reason, session.viewer.id, c.get('requestId'));
    return c.redirect('/console/emergency?done=frozen', 303);
  });

  ui.post('/emergency/unfreeze', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const id = form.get('id') || null;
    if (id !== null && !FREEZE_ID.test(id)) throw new OAuthError('invalid_request', 'id must name a freeze (frz_…)');
    const lifted = await liftFreezes(deps, id, session.viewer.id, c.get('requestId'));
    return c.redirect(`/console/emergency?done=${lifted.length ? 'unfrozen' : 'nothing'}`, 303);
  });

  ui.post('/emergency/kill', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await readConsoleForm(c, deps, session.csrf);
    const b = parseWith(killBody, { ...filled(form, ['reason', ...FREEZE_FIELDS]), confirm: form.get('confirm') ?? '' });
    if (b.confirm !== KILL_CONFIRMATION) throw new OAuthError('invalid_request', `type ${KILL_CONFIRMATION} to confirm: nothing was revoked`);
    const scope = scopeOf(b);
    const filter: RevocationFilter = Object.keys(scope).length ? scope : { all: true };
    const record = await revokeByFilter(deps, { filter, reason: b.reason, by: session.viewer.id, requestId: c.get('requestId') });
    return c.redirect(`/console/revocations/${record.id}?done=revoked`, 303);
  });
};

function body(deps: Deps, session: Session, freezes: readonly Freeze[], live: number | null): Html {
  const now = deps.now();
  const list = freezes.length
    ? h`<table><thead><tr><th>Freeze</th><th>Stops</th><th>Reason</th><th>By</th><th>Since</th><th></th></tr></thead><tbody>
        ${freezes.map((f) => h`<tr data-freeze="${f.id}"><td><code>${f.id}</code></td><td>${scopeText(f)}</td><td>${f.reason}</td><td><code>${f.frozen_by}</code></td><td>${when(f.created_at, now)}</td>
          <td>${session.viewer.admin ? postForm(session, '/console/emergency/unfreeze', h`<input type="hidden" name="id" value="${f.id}"><button type="submit" class="secondary">Unfreeze</button>`) : ''}</td></tr>`)}
      </tbody></table>
      ${session.viewer.admin && freezes.length > 1 ? postForm(session, '/console/emergency/unfreeze', h`<button type="submit" class="secondary">Unfreeze all</button>`) : ''}`
    : h`<p class="ok">Not frozen: credentials are issued as policy decides.</p>`;
  if (!session.viewer.admin) return h`<h2>Freezes in force</h2>${list}<p class="muted">Freezing, unfreezing and revoking need a console admin.</p>`;
  const scopeInputs = h`${FREEZE_FIELDS.map((k) => h`<label>${k} (optional) <input name="${k}" maxlength="2048"></label>`)}`;
  return h`
    <h2>Freezes in force</h2>
    ${list}
    <section class="panel danger">
      <h2>Freeze</h2>
      <p>Stops all new issuance and every per-call credential (exchanges, JWT bearer grants, <code>/v1/credentials</code>, the MCP gateway, AuthZEN) on every node, until lifted; introspection calls frozen grants inactive. Nothing is revoked. Leave the scope empty to freeze everything.</p>
      ${postForm(session, '/console/emergency/freeze', h`<div class="actions"><label>Reason <input name="reason" required maxlength="500" size="40"></label>${scopeInputs}<button type="submit" class="danger">Freeze</button></div>`)}
    </section>
    <section class="panel danger">
      <h2>Kill</h2>
      <p>Revokes every live grant in scope (<strong>${live ?? 0}</strong> live grant${live === 1 ? '' : 's'} in all right now), upstream too where the provider can: a mass revocation, as <code>POST /v1/revocations</code>. Freeze first, so nothing new is issued meanwhile. Type <code>${KILL_CONFIRMATION}</code> to confirm.</p>
      ${postForm(session, '/console/emergency/kill', h`<div class="actions"><label>Reason <input name="reason" required maxlength="500" size="40"></label>${scopeInputs}<label>Confirm <input name="confirm" required maxlength="16" autocomplete="off" placeholder="${KILL_CONFIRMATION}"></label><button type="submit" class="danger">Kill</button></div>`)}
    </section>`;
}

function scopeText(f: Freeze): Html {
  const parts = FREEZE_FIELDS.filter((k) => f.scope[k] !== undefined);
  return parts.length ? h`${parts.map((k, i) => h`${i ? ', ' : ''}${k} <code>${f.scope[k]!}</code>`)}` : h`<strong>everything</strong>`;
}
