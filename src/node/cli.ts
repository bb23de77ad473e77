#!/usr/bin/env node
// The `tollgate` command. Each subcommand lives in commands/ and prints its own --help.
import { commands } from './commands/index.ts';
import { CliError } from './commands/cli-error.ts';

const USAGE = `usage: tollgate <command> [options]

commands:
  serve [--dev] [--config PATH]     start the server
  dev-token --agent ID [--human N]  mint dev identity tokens (dev mode only)
  exchange --scope S --task T       exchange identity tokens for a grant (RFC 8693)
  introspect TOKEN                  ask whether a Tollgate token is active (RFC 7662)
  grants ls [filters]               list grants
  revoke (--token T | filters)      revoke one token or every grant a filter matches
  freeze --reason R [scope]         emergency stop: no new credentials anywhere (unfreeze lifts it)
  task complete TASK_ID             end a task: revoke all its grants
  approvals ls | approve ID | deny ID   answer the requests that wait for a human
  risk set --agent|--principal ID   set a risk level; revoke what policy no longer permits
  audit verify [--db PATH]          check the audit chain for edits, deletions, reordering
  audit export | prune | retain     archive signed segments of the chain, then prune them
  policy check | policy explain     validate policies; show the decision for a sample request
  secret seal NAME                  seal a static secret for a sealed-secret provider
  worker-config (--config P | --dev)  config for the Cloudflare Workers build (.dev.vars with --dev)
  mcp login | tools | call TOOL     an MCP client (official SDK) for the gateway at /mcp/{server}
  mcp-gateway --config PATH         run the MCP gateway apart, deciding at a remote Tollgate

Run 'tollgate <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`tollgate: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  return (await command())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`tollgate: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  },
);
