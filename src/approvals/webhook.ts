import type { Deps } from '../deps.ts';
import type { Approval } from './approval.ts';
import { approvalView } from './view.ts';
import { inertJson } from '../lib/inert-json.ts';
import { inertText } from '../lib/inert-text.ts';

const ATTEMPTS = 3;
const BACKOFF_MS = [0, 1000, 5000];

/**
 * Tell a chat or ticket system that an approval is waiting. The body is JSON; the
 * `tollgate-signature` header is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
 * so a receiver can check both origin and freshness. Best effort with a few retries: the
 * approval exists and is listed at /v1/approvals whether or not the hook got through.
 */
export async function notifyApprovalWaiting(deps: Deps, approval: Approval, sleep = defaultSleep): Promise<boolean> {
  const hook = deps.config.approvals.webhook;
  if (!hook) return false;
  const base = deps.config.server.issuer.replace(/\/$/, '');
  const body = inertJson({
    type: 'approval.requested',
    text: noticeText(approval),
    approval: approvalView(approval, deps.now()),
    links: {
      self: `${base}/v1/approvals/${approval.id}`,
      approve: `${base}/v1/approvals/${approval.id}/approve`,
      deny: `${base}/v1/approvals/${approval.id}/deny`,
    },
  });
  for (let i = 0; i < ATTEMPTS; i++) {
    await sleep(BACKOFF_MS[i] ?? 5000);
    const t = Math.floor(deps.now() / 1000);
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'tollgate-event-id': approval.id,
          'tollgate-signature': `t=${t},v1=${await hmacHex(hook.secret, `${t}.${body}`)}`,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(hook.timeout * 1000),
      });
      await res.body?.cancel();
      if (res.ok) return true;
      deps.log.log('warn', 'approval webhook refused', { approval_id: approval.id, status: res.status, attempt: i + 1 });
    } catch (e) {
      deps.log.log('warn', 'approval webhook unreachable', { approval_id: approval.id, attempt: i + 1, cause: e instanceof Error ? e.name : 'error' });
    }
  }
  return false;
}

/** One line for a chat message; every part an agent or IdP chose is inert. */
function noticeText(a: Approval): string {
  const t = (s: string) => inertText(s, 512);
  const who = a.principal ? `${t(a.agent)} (for ${t(a.principal)})` : t(a.agent);
  const what = a.tool ? ` through ${t(a.tool)}` : '';
  const why = a.intent ? `: "${t(a.intent)}"` : '';
  return `${who} asks to ${a.actions.join(', ')} on ${t(a.resource)}${what}, task ${t(a.task_id)}${why}`;
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

function defaultSleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
