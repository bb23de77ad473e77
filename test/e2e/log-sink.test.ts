import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = new URL('./log-sink-child.ts', import.meta.url).pathname;

/** Runs the child with `stderr` as its fd 2; resolves with its exit code and stdout. */
function run(stderr: number | 'pipe', onSpawn?: (c: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', stderr] });
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    onSpawn?.(c);
    c.on('exit', (code) => resolve({ code, out }));
  });
}

describe('logging never kills the process', () => {
  it('survives a full disk under stderr (/dev/full answers every write with ENOSPC) and counts what it dropped', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await run(fd);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual({ alive: true, dropped: 100 });
    } finally {
      closeSync(fd);
    }
  });

  it('survives a closed pipe under stderr', async () => {
    const r = await run('pipe', (c) => c.stderr!.destroy());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).alive).toBe(true);
  });

  it('writes every line, whole, when the file has room', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-log-')), 'stderr.log');
    const fd = openSync(path, 'w');
    try {
      const r = await run(fd);
      expect(JSON.parse(r.out)).toEqual({ alive: true, dropped: 0 });
    } finally {
      closeSync(fd);
    }
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(100);
    expect(lines[99]).toMatchObject({ level: 'error', msg: 'store unavailable', i: 99 });
  });
});
