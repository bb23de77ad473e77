import { TOKEN_EXCHANGE_GRANT } from '../../grants/exchange-request.ts';
import { TOKEN_TYPE } from '../../../providers/token-types.ts';
import { args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate exchange --scope SCOPE --task TASK_ID [options]

RFC 8693 token exchange against the server's /oauth/token.
  --scope S                 e.g. "demo:reports:read" (space-separated for several actions)
  --task T                  task id (required)
  --subject-token T         default: $TOLLGATE_SUBJECT_TOKEN
  --actor-token T           default: $TOLLGATE_ACTOR_TOKEN (when acting for a human)
  --intent TEXT             why, in words (audited)
  --ttl SECONDS             requested lifetime (capped by policy and the input tokens)
  --requested-token-type U  e.g. urn:tollgate:token-type:secret for the upstream credential itself
  --approval-id ID          retry after a human approved
  --approval-id-only        when the answer is authorization_pending, print only the approval id
  --token-only              print only the access token
  --url URL                 server (default $TOLLGATE_URL or http://127.0.0.1:8787)`;

export async function exchangeCommand(argv: string[]): Promise<number> {
  const { values: v } = args(
    argv,
    {
      ...common,
      scope: { type: 'string' },
      task: { type: 'string' },
      'subject-token': { type: 'string' },
      'actor-token': { type: 'string' },
      intent: { type: 'string' },
      ttl: { type: 'string' },
      'requested-token-type': { type: 'string' },
      'approval-id': { type: 'string' },
      'token-only': { type: 'boolean' },
      'approval-id-only': { type: 'boolean' },
    },
    HELP,
  );
  if (v.help) return console.log(HELP), 0;
  const subject = v['subject-token'] ?? process.env.TOLLGATE_SUBJECT_TOKEN;
  const actor = v['actor-token'] ?? process.env.TOLLGATE_ACTOR_TOKEN;
  if (!v.scope || !v.task) throw new CliError(`--scope and --task are required\n\n${HELP}`, 2);
  if (!subject) throw new CliError('no subject token: pass --subject-token or eval "$(npx tollgate dev-token --agent ...)"', 2);
  const form = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subject,
    subject_token_type: TOKEN_TYPE.jwt,
    scope: v.scope,
    task_id: v.task,
  });
  if (actor) form.set('actor_token', actor), form.set('actor_token_type', TOKEN_TYPE.jwt);
  if (v.intent) form.set('intent', v.intent);
  if (v.ttl) form.set('requested_ttl', v.ttl);
  if (v['requested-token-type']) form.set('requested_token_type', v['requested-token-type']);
  if (v['approval-id']) form.set('approval_id', v['approval-id']);
  const res = await call(`${serverUrl(v)}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const pending = res.body as { error?: string; approval_id?: string } | null;
  if (v['approval-id-only'] && pending?.error === 'authorization_pending' && pending.approval_id) {
    console.log(pending.approval_id);
    return 0;
  }
  if (res.status !== 200) {
    console.error(JSON.stringify(res.body, null, 2));
    return 1;
  }
  print(v['token-only'] ? (res.body as { access_token: string }).access_token : res.body);
  return 0;
}
