import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate risk set (--agent ID | --principal ID) --level low|medium|high --reason TEXT

Sets the risk level of an agent (SPIFFE ID or iss#sub) or a principal (iss#sub of a human)
through POST /v1/risk (admin). Policy then decides every live grant of that agent or principal
again, and those it no longer permits are revoked at once; prints what was revoked and the
revocations to follow (tollgate revoke receipts: GET /v1/revocations/{id}).
Signals (POST /v1/signals) only ever raise a level; this is how it comes down again.
An agent's registered risk (agents[].risk in the config) is a floor this cannot go below.`;

const LEVELS = ['low', 'medium', 'high'];

export async function riskCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) return console.log(HELP), sub === undefined ? 2 : 0;
  if (sub !== 'set') throw new CliError(`unknown risk subcommand ${JSON.stringify(sub)}\n\n${HELP}`, 2);
  const { values: v } = args(
    rest,
    { ...common, agent: { type: 'string' }, principal: { type: 'string' }, level: { type: 'string' }, reason: { type: 'string' } },
    HELP,
  );
  if (v.help) return console.log(HELP), 0;
  if (Boolean(v.agent) === Boolean(v.principal)) throw new CliError(`give exactly one of --agent, --principal\n\n${HELP}`, 2);
  if (!v.level || !LEVELS.includes(v.level)) throw new CliError(`--level must be low, medium or high\n\n${HELP}`, 2);
  if (!v.reason) throw new CliError(`--reason is required (it goes into the audit log)\n\n${HELP}`, 2);
  const body = { ...(v.agent ? { agent: v.agent } : { principal: v.principal }), level: v.level, reason: v.reason };
  const res = await call(`${serverUrl(v)}/v1/risk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey(v)}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) return console.error(res.text), 1;
  print(res.body);
  return 0;
}
