import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';
import { inertText } from '../../lib/inert-text.ts';

const HELP = `usage: tollgate approvals ls [--status S] [--json]
       tollgate approvals show ID [--wait SECONDS]
       tollgate approvals approve ID [--reason TEXT]
       tollgate approvals deny ID [--reason TEXT]

Human-in-the-loop. Approvers answer with their own human identity token:
  --token T    default: $TOLLGATE_APPROVER_TOKEN (in dev mode:
               export TOLLGATE_APPROVER_TOKEN=$(npx tollgate dev-token --human alice --raw))
ls and show also accept the admin key (admins see every request but cannot answer).
  --status S   pending (default for approvers), approved, denied, used
  --wait N     show: wait up to N seconds (max 30) for a decision
  --url URL    server (default $TOLLGATE_URL or http://127.0.0.1:8787)`;

export async function approvalsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) return console.log(HELP), sub === undefined ? 2 : 0;
  if (!['ls', 'show', 'approve', 'deny'].includes(sub)) throw new CliError(HELP, 2);
  const { values: v, positionals } = args(
    rest,
    { ...common, token: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' }, wait: { type: 'string' }, json: { type: 'boolean' } },
    HELP,
    sub === 'ls' ? 0 : 1,
  );
  if (v.help) return console.log(HELP), 0;
  const base = `${serverUrl(v)}/v1/approvals`;
  const answering = sub === 'approve' || sub === 'deny';
  const token = v.token ?? process.env.TOLLGATE_APPROVER_TOKEN ?? (answering ? undefined : adminKey(v));
  if (!token) throw new CliError('no approver token: pass --token or set TOLLGATE_APPROVER_TOKEN', 2);
  const auth = { authorization: `Bearer ${token}` };

  if (sub === 'ls') {
    const q = v.status ? `?status=${encodeURIComponent(v.status)}` : '';
    const res = await call(`${base}${q}`, { headers: auth });
    if (res.status !== 200) return console.error(res.text), 1;
    const page = res.body as { approvals: Record<string, unknown>[] };
    if (v.json) return print(page), 0;
    if (page.approvals.length === 0) console.log('(nothing waiting)');
    // Every field may come from an agent or an IdP: each is printed inert, on its own line.
    const t = (x: unknown) => inertText(String(x));
    for (const a of page.approvals) {
      console.log(`${t(a.id)}  ${t(a.status)}  ${t(a.agent)} wants ${t((a.actions as string[]).join(','))} on ${t(a.resource)}  task ${t(a.task_id)}`);
      if (a.principal) console.log(`    for ${t(a.principal)}`);
      if (a.intent) console.log(`    intent: ${t(a.intent)}`);
      if (a.tool) console.log(`    tool: ${t(a.tool)}  arguments ${t(a.arguments_digest ?? '-')}`);
      console.log(`    needs: ${t((a.rules as string[]).join(', '))}  expires ${t(a.expires_at)}`);
    }
    return 0;
  }
  const id = positionals[0];
  if (!id) throw new CliError(`an approval id is required\n\n${HELP}`, 2);
  if (sub === 'show') {
    const q = v.wait ? `?wait=${encodeURIComponent(v.wait)}` : '';
    const res = await call(`${base}/${encodeURIComponent(id)}${q}`, { headers: auth });
    if (res.status !== 200) return console.error(res.text), 1;
    return print(res.body), 0;
  }
  const res = await call(`${base}/${encodeURIComponent(id)}/${sub}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(v.reason ? { reason: v.reason } : {}),
  });
  if (res.status !== 200) return console.error(res.text), 1;
  return print(res.body), 0;
}
