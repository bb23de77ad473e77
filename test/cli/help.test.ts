import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CLI } from './dev-server.ts';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('tollgate --help', () => {
  it('lists the commands', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const c of ['serve', 'dev-token', 'exchange', 'grants ls', 'revoke', 'task complete', 'approvals ls', 'audit verify', 'policy check', 'risk set']) expect(r.stdout).toContain(c);
  });

  it.each([
    ['serve'],
    ['dev-token'],
    ['exchange'],
    ['introspect'],
    ['grants', 'ls'],
    ['revoke'],
    ['task', 'complete'],
    ['approvals', 'ls'],
    ['approvals', 'approve'],
    ['audit', 'verify'],
    ['policy', 'check'],
    ['policy', 'explain'],
    ['secret', 'seal'],
    ['worker-config'],
    ['risk', 'set'],
  ])('%s %s --help prints usage and exits 0', (...cmd) => {
    const r = run(...cmd.filter(Boolean), '--help');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: tollgate /);
  });

  it('an unknown command or flag is a usage error (exit 2)', () => {
    expect(run('frobnicate').status).toBe(2);
    const r = run('exchange', '--colour', 'red');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: tollgate exchange');
  });
});
