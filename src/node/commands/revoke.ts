import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';
import { CLIENT_ASSERTION_TYPE } from '../../http/revocation-client.ts';

const HELP = `usage: tollgate revoke --token TOKEN
       tollgate revoke [--agent A] [--principal P] [--owner O] [--provider P] [--resource R] [--task T]
                       [--issued-before ISO8601] [--grant ID ...] [--all] [--reason TEXT] [--dry-run] [--block]

With --token: RFC 7009 revocation of that token, by the client it was issued to: the agent's
workload token (--client-token, default $TOLLGATE_ACTOR_TOKEN when acting for a human, else
$TOLLGATE_SUBJECT_TOKEN) is sent as an RFC 7523 client assertion. With --admin-key (or
$TOLLGATE_ADMIN_KEY and no workload token) an admin revokes any token.
Otherwise: admin mass revocation of every live grant the filters match (all must match);
--dry-run only counts; --block also refuses new grants for the named agent/principal.
Waits for the per-grant records (up to 30 s) and prints the receipts: revoked, pending
(the upstream is retried) or expires_at (the upstream cannot revoke; null = a static secret).`;

export async function revokeCommand(argv: string[]): Promise<number> {
  const { values: v } = args(
    argv,
    {
      ...common,
      token: { type: 'string' },
      'client-token': { type: 'string' },
      agent: { type: 'string' },
      principal: { type: 'string' },
      owner: { type: 'string' },
      provider: { type: 'string' },
      resource: { type: 'string' },
      task: { type: 'string' },
      'issued-before': { type: 'string' },
      grant: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean' },
      block: { type: 'boolean' },
    },
    HELP,
  );
  if (v.help) return console.log(HELP), 0;
  if (v.token) {
    const workload = v['client-token'] ?? (v['admin-key'] ? undefined : (process.env.TOLLGATE_ACTOR_TOKEN ?? process.env.TOLLGATE_SUBJECT_TOKEN));
    const form = new URLSearchParams({ token: v.token });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (workload) {
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', workload);
    } else headers.authorization = `Bearer ${adminKey(v)}`;
    const res = await call(`${serverUrl(v)}/oauth/revoke`, { method: 'POST', headers, body: form });
    if (res.status !== 200) return console.error(res.text), 1;
    console.log("revoked (RFC 7009: unknown tokens, and tokens not issued to this client, answer the same)");
    return 0;
  }
  const body: Record<string, unknown> = {};
  for (const k of ['agent', 'principal', 'owner', 'provider', 'resource'] as const) if (v[k]) body[k] = v[k];
  if (v.task) body.task_id = v.task;
  if (v['issued-before']) body.issued_before = v['issued-before'];
  if (v.grant) body.grant_ids = v.grant;
  if (v.all) body.all = true;
  if (v.reason) body.reason = v.reason;
  if (v['dry-run']) body.dry_run = true;
  if (v.block) body.block = true;
  if (Object.keys(body).length === 0) throw new CliError(`name a --token, a filter, or --all\n\n${HELP}`, 2);
  const res = await call(`${serverUrl(v)}/v1/revocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey(v)}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200 && res.status !== 202) return console.error(res.text), 1;
  if (v['dry-run']) return print(res.body), 0;
  // Dead everywhere already; wait (briefly) for the per-grant records, then show the receipts.
  const id = (res.body as { revocation_id: string }).revocation_id;
  const auth = { authorization: `Bearer ${adminKey(v)}` };
  let status = res.body as { status: string };
  for (let i = 0; i < 300 && status.status !== 'finished'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await call(`${serverUrl(v)}/v1/revocations/${id}`, { headers: auth })).body as { status: string };
  }
  const receipts = (await call(`${serverUrl(v)}/v1/revocations/${id}/receipts?limit=100`, { headers: auth })).body as { receipts: unknown[]; next_cursor: string | null };
  print({ ...status, receipts: receipts.receipts, ...(receipts.next_cursor ? { more_receipts: `GET /v1/revocations/${id}/receipts?cursor=${receipts.next_cursor}` } : {}) });
  return 0;
}
