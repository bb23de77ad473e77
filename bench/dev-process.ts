import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_WORKLOAD_ISSUER, devTokenSigner, readDevKeys } from '../src/node/dev-mode.ts';
import { freePort } from '../test/support/free-port.ts';

export const ROOT = new URL('../', import.meta.url).pathname;
/** The CLI as an installed package runs it: compiled JavaScript. */
export const COMPILED_CLI = join(ROOT, 'dist/src/node/cli.js');

/** Builds dist/ once per bench run, so the figures are those of the JavaScript a user installs. */
export function ensureBuilt(): void {
  if (process.env.TOLLGATE_BENCH_SKIP_BUILD && existsSync(COMPILED_CLI)) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.ts')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

export interface DevProcess {
  url: string;
  data: string;
  pid: number;
  adminKey: string;
  gatewayKey: string;
  stop(): Promise<void>;
}

export interface DevProcessOptions {
  /** the CPU the process and all its threads may run on (taskset) */
  cpu?: number;
  nodeFlags?: string[];
}

/** `tollgate serve --dev` in its own process, as a user starts it, on a free port with its own data. */
export async function startDevProcess(opts: DevProcessOptions = {}): Promise<DevProcess> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const node = [process.execPath, ...(opts.nodeFlags ?? []), COMPILED_CLI, 'serve', '--dev', '--port', String(port), '--data', data];
  const argv = opts.cpu === undefined ? node : ['taskset', '-c', String(opts.cpu), ...node];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { cwd: data, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`dev server did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => out.includes('gateway key:') && (clearTimeout(t), resolve()));
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`dev server exited ${code}:\n${out}`))));
  });
  const key = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(out)?.[1] ?? '';
  return {
    url: `http://127.0.0.1:${port}`,
    data,
    pid: child.pid!,
    adminKey: key('admin key'),
    gatewayKey: key('gateway key'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Workload tokens from the dev issuer's key in `data`, each with its own jti (the CLI's `dev-token --raw`). */
export async function devTokenMinter(data: string): Promise<(agent: string) => Promise<string>> {
  const sign = await devTokenSigner(readDevKeys(data).workload, DEV_WORKLOAD_ISSUER);
  return (agent) => sign(agent, 3600);
}
