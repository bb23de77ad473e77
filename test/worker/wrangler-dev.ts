import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devVarsLine } from '../../src/node/worker-config.ts';
import { freePort } from '../support/free-port.ts';
import { ROOT } from '../support/paths.ts';
export { ROOT } from '../support/paths.ts';

const WRANGLER = `${ROOT}/node_modules/wrangler/bin/wrangler.js`;

/** Offline: no telemetry, no request for Cloudflare's cf object, no interactive session. */
export const OFFLINE_ENV = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' } as const;

export interface WranglerDev {
  url: string;
  port: number;
  /** the folder holding the local D1 state and the env file */
  dir: string;
  output(): string;
  /** runs the Cron Trigger's handler now (Wrangler's local endpoint) */
  scheduled(): Promise<void>;
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** the Worker's vars and secrets; an object value is written as one line of JSON (the config) */
  vars?: Record<string, string | Record<string, unknown>>;
  /** an env file already written (by `tollgate worker-config --dev`) */
  envFile?: string;
  port?: number;
}

/**
 * `wrangler dev --local`, as a user runs it from the checkout (wrangler.toml, the D1 binding),
 * on its own port and with its own local D1 state, so test files can run side by side.
 */
export async function startWranglerDev(opts: WranglerDevOptions): Promise<WranglerDev> {
  // Several test files start wrangler at once on a busy machine; a port taken between freePort()
  // and wrangler's bind (or any other start-up failure) gets one more try on fresh ports.
  try {
    return await startOnce(opts);
  } catch (first) {
    if (opts.port !== undefined) throw first;
    return startOnce(opts);
  }
}

async function startOnce(opts: WranglerDevOptions): Promise<WranglerDev> {
  const port = opts.port ?? (await freePort());
  const inspector = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-wrangler-'));
  let envFile = opts.envFile;
  if (!envFile) {
    envFile = join(dir, 'worker.vars');
    writeFileSync(envFile, Object.entries(opts.vars ?? {}).map(([k, v]) => devVarsLine(k, v)).join('\n') + '\n', { mode: 0o600 });
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--local', '--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspector), '--env-file', envFile, '--persist-to', join(dir, 'state'), '--show-interactive-dev-session=false'],
    { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log}`)), 90_000);
    const check = () => log.includes('Ready on') && (clearTimeout(t), resolve());
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`wrangler dev exited ${code}:\n${log}`))));
  }).catch((e: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dir,
    output: () => log,
    async scheduled() {
      const res = await fetch(`${url}/cdn-cgi/local/scheduled`);
      if (!res.ok) throw new Error(`scheduled handler answered ${res.status}: ${await res.text()}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
