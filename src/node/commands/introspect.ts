import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate introspect TOKEN [--url URL] [--admin-key KEY]

RFC 7662 introspection of a Tollgate token (as an admin).`;

export async function introspectCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = args(argv, common, HELP, 1);
  if (v.help) return console.log(HELP), 0;
  const token = positionals[0];
  if (!token) throw new CliError(`a token is required\n\n${HELP}`, 2);
  const res = await call(`${serverUrl(v)}/oauth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${adminKey(v)}` },
    body: new URLSearchParams({ token }),
  });
  print(res.body);
  return res.status === 200 ? 0 : 1;
}
