import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { harness, type Harness } from '../support/harness.ts';
import { CLI, ROOT } from '../support/paths.ts';

// Retention the server runs by itself (audit.retention.interval), as an operator configures it:
// whole segments are exported, signed, to the archive and pruned from the live store while the
// server keeps issuing; the live chain verifies from the newest checkpoint, the archive offline.
const SEGMENT = 4;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) await new Promise((resolve) => (child!.once('exit', resolve), child!.kill('SIGTERM')));
  child = undefined;
});

async function serve(h: Harness): Promise<{ url: string; output: () => string }> {
  const port = await freePort();
  child = spawn(process.execPath, [CLI, 'serve', '--config', join(h.dir, 'tollgate.yaml'), '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  while (!out.includes('Tollgate listening')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, output: () => out };
}

const audit = (...argv: string[]) => {
  const r = spawnSync(process.execPath, [CLI, 'audit', ...argv], { encoding: 'utf8' });
  return { status: r.status, report: JSON.parse(r.stdout || '{}') as Record<string, any>, stderr: r.stderr };
};

describe('audit retention inside the server (audit.retention.interval)', () => {
  it('exports and prunes whole segments on its schedule while serving; both halves verify', async () => {
    const h = await harness({ configPatch: (c) => (c.audit = { retention: { export_dir: 'archive', max_events: 3, segment_events: SEGMENT, interval: '1s' } }) });
    const archive = join(h.dir, 'archive');
    writeFileSync(join(h.dir, 'jwks.json'), await (await h.app.request('/.well-known/jwks.json')).text());
    await h.deps.store.close();
    const server = await serve(h);
    const exchange = async (i: number) => {
      const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', subject_token: await h.agentToken(`a${i}`), scope: 'demo:reports:read', task_id: `t${i}` });
      const r = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(r.status, await r.clone().text()).toBe(200);
    };
    for (let i = 0; i < 6; i++) await exchange(i);

    const checkpoints = () => readdirSync(archive).filter((n) => n.endsWith('.checkpoint.jws')).sort();
    const deadline = Date.now() + 20_000;
    for (;;) {
      let n = 0;
      try {
        n = checkpoints().length;
      } catch {}
      if (n >= 2) break;
      if (Date.now() > deadline) throw new Error(`no segments archived:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The files are written before the prune they allow, which logs when done.
    for (let i = 0; !/audit retention pruned exported segments/.test(server.output()); i++) {
      if (i > 200) throw new Error(`no prune logged:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await exchange(99); // still serving after pruning
    // Only whole segments leave: every archived segment holds exactly segment_events events.
    for (const name of checkpoints()) {
      const [, from, to] = /^audit-(\d+)-(\d+)\./.exec(name)!;
      expect(Number(to) - Number(from) + 1).toBe(SEGMENT);
      expect(readFileSync(join(archive, name.replace('.checkpoint.jws', '.jsonl')), 'utf8').trim().split('\n')).toHaveLength(SEGMENT);
    }
    expect(server.output()).not.toMatch(/"level":"error"/);

    const live = audit('verify', '--db', h.dbPath, '--jwks', join(h.dir, 'jwks.json'));
    expect(live.status, JSON.stringify(live.report)).toBe(0);
    // Verified from the newest checkpoint: a whole segment, the last one archived.
    const { seq_from, seq_to } = live.report.from_checkpoint as { seq_from: number; seq_to: number };
    expect([seq_from % SEGMENT, seq_to - seq_from + 1]).toEqual([1, SEGMENT]);
    const off = audit('verify', '--archive', archive, '--jwks', join(h.dir, 'jwks.json'));
    expect(off.status, JSON.stringify(off.report)).toBe(0);
    expect(off.report).toMatchObject({ ok: true, first_seq: 1 });
    expect(off.report.last_seq).toBe(live.report.from_checkpoint.seq_to);
  });

  it('refuses a schedule that could never prune, at start, with the reason', async () => {
    const h = await harness({ configPatch: (c) => (c.audit = { retention: { max_events: 3, interval: '1h' } }) }).catch((e: Error) => e);
    expect(h).toBeInstanceOf(Error);
    expect((h as Error).message).toMatch(/audit\.retention\.interval.*needs export_dir/s);
  });
});
