import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { ConfigError, parseYamlConfig } from '../../config/parse-config.ts';
import { standaloneGatewayApp } from '../../mcp/standalone-app.ts';
import { standaloneGatewaySchema, standaloneUri } from '../../mcp/standalone-config.ts';
import { stdioUpstreams } from '../mcp-stdio.ts';
import { args, common } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate mcp-gateway --config PATH [--port N]

Runs the MCP gateway apart from Tollgate: /mcp/{server} for each server in the file, every call
decided by the remote Tollgate it names (POST /v1/credentials with the gateway's key).
  --config PATH  the gateway's YAML file (gateway, tollgate, servers); \${ENV} is interpolated
  --port N       listen port (default: gateway.port)`;

export async function mcpGatewayCommand(argv: string[]): Promise<number> {
  const { values: v } = args(argv, { ...common, config: { type: 'string' }, port: { type: 'string' } }, HELP);
  if (v.help) return console.log(HELP), 0;
  if (!v.config) throw new CliError(`--config is required\n\n${HELP}`, 2);
  let text: string;
  try {
    text = readFileSync(v.config, 'utf8');
  } catch {
    throw new CliError(`cannot read ${v.config}`);
  }
  let config;
  try {
    config = parseYamlConfig(standaloneGatewaySchema, text, process.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  const log = (msg: string, fields: Record<string, unknown>) => process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, ...fields }) + '\n');
  const { app, gateway } = standaloneGatewayApp(config, { connectors: (alive) => [stdioUpstreams({ alive, log })], log });
  const port = v.port === undefined ? config.gateway.port : Number(v.port);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: config.gateway.host }, () => resolve(s));
  });
  const a = server.address();
  console.log(`Tollgate MCP gateway listening on http://${config.gateway.host}:${typeof a === 'object' && a ? a.port : port}, deciding at ${config.tollgate.url}`);
  for (const name of Object.keys(config.servers)) console.log(`  ${standaloneUri(config, name)}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.close();
  return 0;
}
