import type { JWK } from 'jose';
import { parseSpiffeId } from '../../identity/spiffe-id.ts';
import { DEV_HUMAN_ISSUER, DEV_WORKLOAD_ISSUER, devTokenSigner, readDevKeys } from '../dev-mode.ts';
import { args, common, dataDir } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate dev-token --agent SPIFFE_ID [--human NAME] [--ttl SECONDS] [--raw] [--data DIR]
       tollgate dev-token --human NAME --raw      (a human's token alone, e.g. an approver's)

Mints identity tokens from the dev issuers (dev mode only: it needs the keys in ./data).
Prints shell exports for 'tollgate exchange':
  TOLLGATE_SUBJECT_TOKEN  the agent's workload token, or with --human the human's token
  TOLLGATE_ACTOR_TOKEN    with --human: the agent's workload token (the agent acts for the human)
Use:  eval "$(npx tollgate dev-token --agent spiffe://dev.local/agent/demo)"
--raw prints only the token (the agent's, or with --human the human's).`;

export async function devTokenCommand(argv: string[]): Promise<number> {
  const { values: v } = args(argv, { ...common, agent: { type: 'string' }, human: { type: 'string' }, ttl: { type: 'string' }, raw: { type: 'boolean' } }, HELP);
  if (v.help) return console.log(HELP), 0;
  if (!v.agent && !(v.human && v.raw)) throw new CliError(`--agent is required (or --human NAME --raw for a human's token alone)\n\n${HELP}`, 2);
  if (v.agent && !parseSpiffeId(v.agent)) throw new CliError('--agent must be a SPIFFE ID such as spiffe://dev.local/agent/demo', 2);
  const ttl = Number(v.ttl ?? 600);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400) throw new CliError('--ttl must be 1-86400 seconds', 2);
  const keys = readDevKeys(dataDir(v));
  if (!v.agent) {
    if (!/^[A-Za-z0-9._@-]{1,128}$/.test(v.human!)) throw new CliError('--human must be a simple user name', 2);
    console.log(await mint(keys.human, DEV_HUMAN_ISSUER, v.human!, ttl));
    return 0;
  }
  const agentToken = await mint(keys.workload, DEV_WORKLOAD_ISSUER, v.agent, ttl);
  if (!v.human) {
    console.log(v.raw ? agentToken : `export TOLLGATE_SUBJECT_TOKEN=${agentToken}\nunset TOLLGATE_ACTOR_TOKEN`);
    return 0;
  }
  if (!/^[A-Za-z0-9._@-]{1,128}$/.test(v.human)) throw new CliError('--human must be a simple user name', 2);
  const humanToken = await mint(keys.human, DEV_HUMAN_ISSUER, v.human, ttl);
  console.log(v.raw ? humanToken : `export TOLLGATE_SUBJECT_TOKEN=${humanToken}\nexport TOLLGATE_ACTOR_TOKEN=${agentToken}`);
  return 0;
}

async function mint(jwk: JWK, issuer: string, sub: string, ttl: number): Promise<string> {
  return (await devTokenSigner(jwk, issuer))(sub, ttl);
}
