import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate task complete TASK_ID [--token TOKEN]

Ends a task: every grant of it is revoked. With --token (the agent's workload token or one of
the task's grant tokens; default $TOLLGATE_ACTOR_TOKEN or $TOLLGATE_SUBJECT_TOKEN when no admin key is given) only the
agent's own grants; with the admin key, everyone's.`;

export async function taskCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return console.log(HELP), 0;
  if (sub !== 'complete') throw new CliError(HELP, 2);
  const { values: v, positionals } = args(rest, { ...common, token: { type: 'string' } }, HELP, 1);
  if (v.help) return console.log(HELP), 0;
  const taskId = positionals[0];
  if (!taskId) throw new CliError(`a TASK_ID is required\n\n${HELP}`, 2);
  // The agent ends its own task: it is the actor when it acts for a human, else the subject.
  const agentToken = process.env.TOLLGATE_ACTOR_TOKEN || process.env.TOLLGATE_SUBJECT_TOKEN;
  const explicitAdmin = v['admin-key'] || process.env.TOLLGATE_ADMIN_KEY;
  const bearer = v.token ?? (explicitAdmin ? adminKey(v) : agentToken ?? adminKey(v));
  const res = await call(`${serverUrl(v)}/v1/tasks/${encodeURIComponent(taskId)}/complete`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}` },
  });
  if (res.status !== 200) return console.error(res.text), 1;
  print(res.body);
  return 0;
}
