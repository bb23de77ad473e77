import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { DEV_CONFIG, prepareDevData } from '../dev-mode.ts';
import { devVarsLine, workerConfigFrom } from '../worker-config.ts';
import { args, common } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate worker-config --config PATH [--binding DB]
       tollgate worker-config --dev [--port N] [--data DIR] [--out .dev.vars]

Prepares a configuration for the Cloudflare Workers build, which reads no files.
  --config PATH  prints the config as YAML for TOLLGATE_CONFIG_YAML: policies, schema and issuers'
                 key files inlined, the store set to the D1 binding; every \${NAME} is kept and
                 listed on stderr (each must be a Worker var or secret), and each private key
                 file becomes a secret to put: npx wrangler secret put NAME < FILE
  --dev          the dev server's config and keys (the same ./data as 'tollgate serve --dev', so
                 'tollgate dev-token' and the admin key work) written to .dev.vars for
                 'npx wrangler dev --local' on --port (default 8787)
  --binding DB   the D1 binding name (default DB, as in wrangler.toml)`;

export async function workerConfigCommand(argv: string[]): Promise<number> {
  const { values: v } = args(argv, { ...common, dev: { type: 'boolean' }, config: { type: 'string' }, port: { type: 'string' }, out: { type: 'string' }, binding: { type: 'string' } }, HELP);
  if (v.help) return console.log(HELP), 0;
  const binding = v.binding ?? 'DB';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(binding)) throw new CliError('--binding must be a binding name such as DB', 2);
  if (!v.dev) {
    if (!v.config) throw new CliError(`pass --config PATH or --dev\n\n${HELP}`, 2);
    const wc = workerConfigFrom(v.config, process.env, binding);
    process.stdout.write(stringify(wc.doc, { lineWidth: 0 }));
    const keyNames = new Set(wc.keySecrets.map((k) => k.name));
    if (wc.references.length) console.error(`The Worker needs these vars or secrets: ${wc.references.join(', ')}`);
    for (const k of wc.keySecrets) console.error(`  npx wrangler secret put ${k.name} < ${k.file}`);
    for (const name of wc.references.filter((n) => !keyNames.has(n))) console.error(`  npx wrangler secret put ${name}`);
    return 0;
  }
  if (v.config) throw new CliError('--dev uses config/tollgate.dev.yaml; drop --config', 2);
  const port = Number(v.port ?? 8787);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw new CliError(`bad --port\n\n${HELP}`, 2);
  const dev = await prepareDevData(v.data ?? process.env.TOLLGATE_DATA ?? './data', port);
  const wc = workerConfigFrom(DEV_CONFIG, dev.env, binding);
  const values: Record<string, string> = { ...dev.env };
  for (const k of wc.keySecrets) values[k.name] = readFileSync(k.file, 'utf8').trim();
  const missing = wc.references.filter((n) => values[n] === undefined);
  if (missing.length) throw new CliError(`the dev config names ${missing.join(', ')}, which dev mode does not provide`);
  const lines = [
    '# Written by `tollgate worker-config --dev` for `npx wrangler dev --local`. Dev only: it holds',
    '# a signing key. The dev issuers\' keys and the admin key stay in the data folder.',
    devVarsLine('TOLLGATE_CONFIG_YAML', wc.doc),
    ...wc.references.map((n) => devVarsLine(n, values[n]!)),
  ];
  const out = resolve(v.out ?? '.dev.vars');
  writeFileSync(out, lines.join('\n') + '\n', { mode: 0o600 });
  chmodSync(out, 0o600);
  console.log(`wrote ${out}`);
  console.log(`  start:      npx wrangler dev --local --port ${port}`);
  console.log(`  admin key:  ${dev.adminKey}`);
  console.log('  identity:   npx tollgate dev-token --agent spiffe://dev.local/agent/demo');
  return 0;
}
