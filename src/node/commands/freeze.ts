import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const FREEZE_HELP = `usage: tollgate freeze --reason TEXT [--agent ID] [--owner TEAM] [--resource ID] [--provider NAME]
       tollgate freeze --status

Emergency stop: from the moment this returns, no node issues a grant or serves a per-call
credential for what the freeze names (everything, when it names nothing), and introspection calls
those grants inactive. Who and why are recorded and audited. Lift it with 'tollgate unfreeze'.
To also end what is live: tollgate revoke --all (or a filter).`;

const UNFREEZE_HELP = `usage: tollgate unfreeze [--id frz_…]

Lifts every active freeze, or the one --id names.`;

const admin = (v: { 'admin-key'?: string; data?: string }) => ({ authorization: `Bearer ${adminKey(v)}` });

export async function freezeCommand(argv: string[]): Promise<number> {
  const { values: v } = args(
    argv,
    { ...common, reason: { type: 'string' }, agent: { type: 'string' }, owner: { type: 'string' }, resource: { type: 'string' }, provider: { type: 'string' }, status: { type: 'boolean' } },
    FREEZE_HELP,
  );
  if (v.help) return console.log(FREEZE_HELP), 0;
  if (v.status) {
    const res = await call(`${serverUrl(v)}/v1/freeze`, { headers: admin(v) });
    if (res.status !== 200) return console.error(res.text), 1;
    return print(res.body), 0;
  }
  if (!v.reason) throw new CliError(`--reason is required: the people on call read it\n\n${FREEZE_HELP}`, 2);
  const body: Record<string, string> = { reason: v.reason };
  for (const k of ['agent', 'owner', 'resource', 'provider'] as const) if (v[k]) body[k] = v[k];
  const res = await call(`${serverUrl(v)}/v1/freeze`, { method: 'POST', headers: { ...admin(v), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) return console.error(res.text), 1;
  print(res.body);
  return 0;
}

export async function unfreezeCommand(argv: string[]): Promise<number> {
  const { values: v } = args(argv, { ...common, id: { type: 'string' } }, UNFREEZE_HELP);
  if (v.help) return console.log(UNFREEZE_HELP), 0;
  const res = await call(`${serverUrl(v)}/v1/freeze${v.id ? `?id=${encodeURIComponent(v.id)}` : ''}`, { method: 'DELETE', headers: admin(v) });
  if (res.status !== 200) return console.error(res.text), 1;
  print(res.body);
  return 0;
}
