import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { writeOfflineProject, type Tarball } from './offline-project.ts';
import { ROOT } from '../support/paths.ts';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);
// No registry: everything comes from the tarballs and the npm cache that `npm ci` in the checkout filled.
const ENV = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

async function sh(cmd: string, args: string[], cwd: string) {
  return run(cmd, args, { cwd, env: ENV, maxBuffer: 16 << 20 });
}

async function pack(dir: string, into: string): Promise<Tarball> {
  const { stdout } = await sh('npm', ['pack', dir, '--json', '--pack-destination', into], ROOT);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; name: string; version: string }[];
  const { stdout: manifest } = await sh('tar', ['-xOzf', join(into, info!.filename), 'package/package.json'], ROOT);
  return { file: info!.filename, manifest: JSON.parse(manifest) };
}

/** Every file under dir, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

let work: string;
let server: Tarball;
let client: Tarball;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tollgate-pack-'));
  server = await pack('.', work); // runs prepack: the build
  client = await pack('./packages/client', work);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed server package, installed into a fresh project', () => {
  let app: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    app = join(work, 'app');
    mkdirSync(app);
    for (const t of [server, client]) copyFileSync(join(work, t.file), join(app, t.file));
    writeOfflineProject(app, [server, client], join(ROOT, 'package-lock.json'));
    // better-sqlite3 ships prebuilt binaries; an npm that runs its install script compiles it instead.
    await sh('npm', ['ci'], app);
  }, 600_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('carries JavaScript and declarations, not the TypeScript sources', () => {
    const shipped = files(join(app, 'node_modules/tollgate'));
    expect(shipped).toContain('dist/src/app.js');
    expect(shipped).toContain('dist/src/app.d.ts');
    expect(shipped).toContain('dist/src/client/index.d.ts');
    expect(shipped.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('npx tollgate --help prints the usage', async () => {
    const { stdout } = await sh('npx', ['tollgate', '--help'], app);
    expect(stdout).toMatch(/^usage: tollgate <command>/);
    expect(stdout).toContain('serve [--dev]');
  });

  it('tollgate serve --dev answers over HTTP, and an exchange through the installed SDK gets a grant', async () => {
    const port = await freePort();
    const data = join(app, 'data');
    const bin = join(app, 'node_modules/.bin/tollgate');
    child = spawn(bin, ['serve', '--dev', '--port', String(port), '--data', data], { cwd: app, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the installed server did not start:\n${out}`)), 30_000);
      child!.stdout!.on('data', () => out.includes('admin key:') && (clearTimeout(t), resolve()));
      child!.once('exit', (code) => (clearTimeout(t), reject(new Error(`the installed server exited ${code}:\n${out}`))));
    });
    const url = `http://127.0.0.1:${port}`;
    const meta = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string; token_endpoint: string };
    expect(meta).toMatchObject({ issuer: url, token_endpoint: `${url}/oauth/token` });

    const { stdout: token } = await sh(bin, ['dev-token', '--agent', 'spiffe://dev.local/agent/demo', '--raw', '--data', data], app);
    writeFileSync(
      join(app, 'exchange.mjs'),
      `import { exchange } from '@tollgate/client';
const grant = await exchange({ url: process.argv[2], subjectToken: process.argv[3], scope: 'demo:reports:read', taskId: 't-install' });
console.log(JSON.stringify({ scope: grant.scope, task: grant.task_id, type: grant.issued_token_type }));`,
    );
    const { stdout } = await sh('node', ['exchange.mjs', url, token.trim()], app);
    expect(JSON.parse(stdout)).toEqual({ scope: 'demo:reports:read', task: 't-install', type: 'urn:ietf:params:oauth:token-type:jwt' });
  }, 60_000);

  it('tollgate/client and tollgate import from plain .mjs', async () => {
    writeFileSync(join(app, 'imports.mjs'), `import { exchange } from 'tollgate/client';\nimport { createApp } from 'tollgate';\nconsole.log(typeof exchange, typeof createApp);`);
    const { stdout } = await sh('node', ['imports.mjs'], app);
    expect(stdout.trim()).toBe('function function');
  });
});

describe('the packed SDK package (@tollgate/client), installed alone', () => {
  let agent: string;

  beforeAll(async () => {
    agent = join(work, 'agent');
    mkdirSync(agent);
    copyFileSync(join(work, client.file), join(agent, client.file));
    writeOfflineProject(agent, [client]); // no pinned tree: the SDK must need nothing else
    await sh('npm', ['ci'], agent);
  }, 120_000);

  it('installs nothing else: no native module, no Cedar, no AWS SDK, no SQLite', () => {
    expect(readdirSync(join(agent, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['@tollgate']);
    expect(readdirSync(join(agent, 'node_modules/@tollgate'))).toEqual(['client']);
    expect(files(join(agent, 'node_modules')).filter((f) => f.endsWith('.node') || f.endsWith('.wasm'))).toEqual([]);
  });

  it('imports from a plain .mjs file and talks to a server through an injected fetch', async () => {
    writeFileSync(
      join(agent, 'use.mjs'),
      `import { exchange, TollgateError } from '@tollgate/client';
const refuse = async () => new Response(JSON.stringify({ error: 'access_denied', error_description: 'no' }), { status: 403, headers: { 'content-type': 'application/json' } });
try { await exchange({ url: 'https://tollgate.invalid', subjectToken: 'x', scope: 'a:b:read', taskId: 't', fetch: refuse }); }
catch (e) { console.log(e instanceof TollgateError, e.code); }`,
    );
    const { stdout } = await sh('node', ['use.mjs'], agent);
    expect(stdout.trim()).toBe('true access_denied');
  });

  it('type-checks a TypeScript file that uses it, and rejects a misuse', async () => {
    // A consumer's usual settings; skipLibCheck because hono and the MCP SDK, whose types two helpers
    // name, are optional peers this agent does not install.
    const compilerOptions = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2023', lib: ['ES2023', 'DOM', 'ESNext.Disposable'], types: [], noEmit: true, skipLibCheck: true };
    writeFileSync(join(agent, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['agent.ts'] }));
    writeFileSync(
      join(agent, 'agent.ts'),
      `import { exchange, type ExchangeResult, type TollgateErrorCode } from '@tollgate/client';
export async function grant(token: string): Promise<ExchangeResult> {
  return exchange({ url: 'https://tollgate.example', subjectToken: token, scope: ['a:b:read'], taskId: 't-1' });
}
export const code: TollgateErrorCode = 'access_denied';\n`,
    );
    await sh('node', [TSC, '-p', '.'], agent);
    // the same check fails when the file gets the SDK's types wrong: the declarations are really read
    writeFileSync(join(agent, 'agent.ts'), `import { exchange } from '@tollgate/client';\nexchange({ url: 'https://tollgate.example', subjectToken: 'x' });\n`);
    const failed = await sh('node', [TSC, '-p', '.'], agent).then(() => '', (e: { stdout: string }) => e.stdout);
    expect(failed).toMatch(/taskId/);
  }, 60_000);
});
