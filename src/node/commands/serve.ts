import { loadConfigFile } from '../load-config.ts';
import { buildNodeDeps } from '../build-deps.ts';
import { DEV_CONFIG, prepareDevData } from '../dev-mode.ts';
import { postgresStoreFlag } from '../open-store.ts';
import { startServer } from '../server.ts';
import { args, common } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate serve [--dev] [--config PATH] [--port N] [--data DIR] [--store URL] [--issuer URL]

  --dev          dev mode: config/tollgate.dev.yaml, SQLite and generated keys under --data (./data)
  --config PATH  configuration file (or TOLLGATE_CONFIG)
  --port N       listen port (dev mode: also the issuer URL's port; default 8787)
  --store URL    store in this PostgreSQL database instead of the configured store, so several
                 nodes share it (postgres://user@host:port/db)
  --issuer URL   dev mode: the issuer URL, when the nodes sit behind one address (a load balancer)`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values: v } = args(
    argv,
    { ...common, dev: { type: 'boolean' }, config: { type: 'string' }, port: { type: 'string' }, store: { type: 'string' }, issuer: { type: 'string' } },
    HELP,
  );
  if (v.help) return console.log(HELP), 0;
  const port = v.port === undefined ? undefined : Number(v.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new CliError(`bad --port\n\n${HELP}`, 2);

  let env: Record<string, string | undefined> = process.env;
  let configPath = v.config ?? process.env.TOLLGATE_CONFIG;
  let banner: string[] = [];
  if (v.dev) {
    if (v.config) throw new CliError('--dev uses config/tollgate.dev.yaml; drop --config', 2);
    if (v.issuer !== undefined && !/^https?:\/\/[^/]+$/.test(v.issuer)) throw new CliError(`bad --issuer: an origin such as http://127.0.0.1:8800\n\n${HELP}`, 2);
    const dev = await prepareDevData(v.data ?? process.env.TOLLGATE_DATA ?? './data', port ?? 8787, v.issuer);
    env = { ...process.env, ...dev.env };
    configPath = DEV_CONFIG;
    banner = [
      'Tollgate is running in DEV mode. Do not use it for anything real.',
      `  data:       ${dev.env.TOLLGATE_DATA} (${v.store ? 'signing key, dev issuer keys; store: PostgreSQL' : 'SQLite, signing key, dev issuer keys'})`,
      `  admin key:  ${dev.adminKey}`,
      `  gateway key: ${dev.gatewayKey}  (POST /v1/credentials)`,
      '  identity:   npx tollgate dev-token --agent spiffe://dev.local/agent/demo',
    ];
  }
  if (v.issuer !== undefined && !v.dev) throw new CliError('--issuer is for dev mode; set server.issuer in the config\n\n' + HELP, 2);
  if (!configPath) throw new CliError(`no configuration: pass --config PATH, set TOLLGATE_CONFIG, or use --dev\n\n${HELP}`, 2);
  const loaded = loadConfigFile(configPath, env);
  if (v.store !== undefined) {
    try {
      loaded.config.store = postgresStoreFlag(v.store);
    } catch (e) {
      throw new CliError(`${(e as Error).message}\n\n${HELP}`, 2);
    }
  }
  const deps = await buildNodeDeps(loaded);
  const server = await startServer(deps, { port: port ?? loaded.config.server.port });
  console.log(`Tollgate listening on ${server.url} (issuer ${loaded.config.server.issuer})`);
  for (const line of banner) console.log(line);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.stop();
  return 0;
}
