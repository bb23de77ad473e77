import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';
import { inertText } from '../../lib/inert-text.ts';

const FILTERS = ['agent', 'principal', 'owner', 'provider', 'resource', 'task_id', 'status', 'limit', 'cursor'] as const;
const HELP = `usage: tollgate grants ls [--agent A] [--principal P] [--owner O] [--provider P] [--resource R]
                          [--task_id T] [--status S] [--limit N] [--cursor C] [--json]

Lists grants, newest first (admin).`;

export async function grantsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'ls') {
    if (sub === '--help' || sub === '-h') return console.log(HELP), 0;
    throw new CliError(HELP, 2);
  }
  const options = Object.fromEntries(FILTERS.map((f) => [f, { type: 'string' as const }]));
  const { values: v } = args(rest, { ...common, ...options, json: { type: 'boolean' } }, HELP);
  if (v.help) return console.log(HELP), 0;
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const value = (v as Record<string, unknown>)[f];
    if (typeof value === 'string') q.set(f, value);
  }
  const res = await call(`${serverUrl(v)}/v1/grants?${q}`, { headers: { authorization: `Bearer ${adminKey(v)}` } });
  if (res.status !== 200) return console.error(res.text), 1;
  const page = res.body as { grants: Record<string, unknown>[]; next_cursor: string | null };
  if (v.json) return print(page), 0;
  for (const g of page.grants) console.log([g.id, g.status, g.agent, g.scope, g.task_id, g.expires_at].map((x) => inertText(String(x))).join('  '));
  if (page.next_cursor) console.log(`(more: --cursor ${page.next_cursor})`);
  return 0;
}
