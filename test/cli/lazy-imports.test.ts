import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from './dev-server.ts';

const TRACE = new URL('./module-trace.mjs', import.meta.url).pathname;
/** The heavy dependencies a command must load only when it uses them. */
const HEAVY = ['@cedar-policy/', '@aws-sdk/', 'better-sqlite3', '@modelcontextprotocol/', 'node-vault', 'zod'];

/** The packages a CLI run loaded (what `module-trace.mjs` saw), by name. */
function loadedPackages(...args: string[]): { status: number | null; packages: Set<string> } {
  const r = spawnSync(process.execPath, ['--import', TRACE, CLI, ...args], { encoding: 'utf8' });
  const packages = new Set<string>();
  for (const line of r.stderr.split('\n')) {
    const m = /^loaded .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1]!);
  }
  return { status: r.status, packages };
}

const heavyIn = (packages: Set<string>) => [...packages].filter((p) => HEAVY.some((h) => p.startsWith(h)));

describe('the CLI loads only what a command needs', () => {
  it('tollgate --help loads no dependency at all', () => {
    const { status, packages } = loadedPackages('--help');
    expect(status).toBe(0);
    expect([...packages]).toEqual([]);
  });

  it('tollgate introspect loads neither Cedar, the AWS SDK, SQLite, the MCP SDK nor zod', () => {
    // Nothing listens on port 1: the command fails to connect, after everything it needs is loaded.
    const { status, packages } = loadedPackages('introspect', 'tok', '--url', 'http://127.0.0.1:1', '--admin-key', 'k');
    expect(status).toBe(1);
    expect(heavyIn(packages)).toEqual([]);
  });

  it('tollgate serve does load them (the trace sees dependencies)', () => {
    const { packages } = loadedPackages('serve', '--help');
    expect(heavyIn(packages).length).toBeGreaterThan(0);
  });
});
