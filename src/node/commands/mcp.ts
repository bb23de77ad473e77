import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { workloadAuthProvider } from '../../client/mcp-auth.ts';
import { printable } from '../../mcp/guarded-call.ts';
import { args, common, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate mcp login --server NAME --task T [--scope S]    print export TOLLGATE_MCP_TOKEN=…
       tollgate mcp tools --server NAME                          list the tools offered
       tollgate mcp call TOOL --server NAME [--args JSON]        call a tool

An MCP client built on the official SDK, for trying the gateway from a shell. Without
$TOLLGATE_MCP_TOKEN it connects the way any MCP client does: the gateway's 401 leads it to the
server's RFC 9728 metadata and Tollgate's RFC 8414 metadata, and it gets a grant token by the
JWT bearer grant with the workload token in $TOLLGATE_SUBJECT_TOKEN as assertion.
  --server NAME        the MCP server (URL: <--url>/mcp/NAME), or --mcp-url URL
  --task T             task id for the grant (default t-mcp)
  --scope S            what to ask for (default "read write delete"; policy may grant less)
  --args JSON          the tool's arguments (default {})
  --approval-id-only   when the call waits for a human, print only the approval id (exit 0)
  --url URL            Tollgate (default $TOLLGATE_URL or http://127.0.0.1:8787)`;

export async function mcpCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) return console.log(HELP), sub === undefined ? 2 : 0;
  if (!['login', 'tools', 'call'].includes(sub)) throw new CliError(HELP, 2);
  const { values: v, positionals } = args(
    rest,
    { ...common, server: { type: 'string' }, 'mcp-url': { type: 'string' }, task: { type: 'string' }, scope: { type: 'string' }, args: { type: 'string' }, 'approval-id-only': { type: 'boolean' } },
    HELP,
    1,
  );
  if (v.help) return console.log(HELP), 0;
  if (!v.server && !v['mcp-url']) throw new CliError(`--server or --mcp-url is required\n\n${HELP}`, 2);
  const url = new URL(v['mcp-url'] ?? `${serverUrl(v)}/mcp/${encodeURIComponent(v.server!)}`);
  const fixed = process.env.TOLLGATE_MCP_TOKEN;
  let auth: OAuthClientProvider | undefined;
  if (!fixed) {
    const assertion = process.env.TOLLGATE_SUBJECT_TOKEN;
    if (!assertion) throw new CliError('no workload token: eval "$(npx tollgate dev-token --agent ...)" first', 2);
    auth = workloadAuthProvider({ assertion, taskId: v.task ?? 't-mcp', scope: v.scope ?? 'read write delete' });
  }
  const client = new Client({ name: 'tollgate-cli', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(url, auth ? { authProvider: auth } : { requestInit: { headers: { authorization: `Bearer ${fixed}` } } }));
  } catch (e) {
    throw new CliError(`cannot connect to ${url.href}: ${printable((e as Error).message)}`);
  }
  try {
    if (sub === 'login') {
      const tokens = await auth?.tokens();
      if (!tokens) throw new CliError('TOLLGATE_MCP_TOKEN is already set: unset it to log in again');
      console.log(`export TOLLGATE_MCP_TOKEN=${tokens.access_token}`);
      console.error(`granted: ${tokens.scope ?? ''}`);
      return 0;
    }
    if (sub === 'tools') {
      for (const t of (await client.listTools()).tools) console.log(`${t.name}${t.description ? `  ${t.description}` : ''}`);
      return 0;
    }
    const tool = positionals[0];
    if (!tool) throw new CliError(`mcp call needs a TOOL\n\n${HELP}`, 2);
    let toolArgs: Record<string, unknown>;
    try {
      toolArgs = JSON.parse(v.args ?? '{}');
    } catch {
      throw new CliError('--args must be JSON', 2);
    }
    const r = await client.callTool({ name: tool, arguments: toolArgs });
    const out = (r.content as { type: string; text?: string }[]).map((c) => c.text ?? `[${c.type}]`).join('\n');
    if (!r.isError) return console.log(out), 0;
    const approval = (r._meta as Record<string, unknown> | undefined)?.['io.tollgate/approval_id'];
    if (v['approval-id-only'] && typeof approval === 'string') return console.log(approval), 0;
    console.error(out);
    return 1;
  } catch (e) {
    if (e instanceof CliError) throw e;
    console.error(`refused: ${printable((e as Error).message)}`);
    return 1;
  } finally {
    await client.close().catch(() => undefined);
  }
}
