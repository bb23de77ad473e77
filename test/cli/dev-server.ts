import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.ts';
import { CLI, ROOT } from '../support/paths.ts';
export { CLI, ROOT } from '../support/paths.ts';

export interface DevServer {
  url: string;
  data: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `tollgate serve --dev` as a user runs it, on a free port with its own data folder. */
export async function startDevServer(): Promise<DevServer> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'tollgate-dev-'));
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--dev', '--port', String(port), '--data', data], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`dev server did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      if (out.includes('admin key:')) clearTimeout(t), resolve();
    });
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`dev server exited ${code}:\n${out}`))));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    data,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The README's walk-through: the shell block between the walkthrough markers. */
export function readmeWalkthrough(): string {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block) throw new Error('README has no walk-through block');
  return block[1]!;
}

/**
 * A walk-through's output with what differs between any two runs made equal: tokens, ids,
 * hashes, times, the server's port. Two servers answering alike give the same text.
 */
export function normalizeRun(out: string): string {
  return out
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<jwt>')
    .replace(/\b(grt|apr|rev|tgk)_[A-Za-z0-9_-]+/g, '<$1>')
    .replace(/\b[0-9a-f]{64}\b/g, '<hash>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/"(exp|iat|expires_in|expires_at|nbf)": \d+/g, '"$1": <n>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
}
