import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness } from '../support/harness.ts';
import { buildNodeDeps } from '../../src/node/build-deps.ts';
import { loadConfigFile } from '../../src/node/load-config.ts';
import { startServer } from '../../src/node/server.ts';
import { runRevocationJobs } from '../../src/grants/revocation-worker.ts';
import { silentLogger } from '../../src/log.ts';
import { draft } from '../../src/audit/event.ts';
import { ADMIN_KEY } from '../support/harness.ts';

const CLI = new URL('../../src/node/cli.ts', import.meta.url).pathname;
const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

describe.each(['after_record', 'after_issue'])('killed %s', (mode) => {
  it('leaves no credential active without a grant, and the audit chain verifies after restart', async () => {
    const h = await harness();
    const token = await h.agentToken();
    const configPath = join(h.dir, 'tollgate.yaml');
    const out = join(h.dir, 'crash.json');
    await h.deps.store.close();

    const child = spawnSync(process.execPath, [CHILD, configPath, mode, token, out], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const crashed = JSON.parse(readFileSync(out, 'utf8')) as { grant_id: string; token?: string };

    // Restart: the server serves at once and reconciles in the background.
    const deps = await buildNodeDeps(loadConfigFile(configPath, {}), { log: silentLogger });
    const server = await startServer(deps, { port: 0, host: '127.0.0.1' });
    try {
      await server.reconciled;
      const admin = { authorization: `Bearer ${ADMIN_KEY}` };
      const grant = await (await fetch(`${server.url}/v1/grants/${crashed.grant_id}`, { headers: admin })).json();
      expect(grant.status).toBe('failed');
      const page = await (await fetch(`${server.url}/v1/grants?status=active`, { headers: admin })).json();
      expect(page.grants).toEqual([]);
      if (crashed.token) {
        const res = await fetch(`${server.url}/oauth/introspect`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: crashed.token }),
        });
        expect(await res.json()).toEqual({ active: false });
      }
      // The possible upstream credential was queued for revocation; the worker settles the job.
      const jobs = await deps.store.dueJobs(Date.now() + 1, 10);
      expect(jobs.map((j) => j.grant_id)).toEqual([crashed.grant_id]);
      await runRevocationJobs(deps);
      expect(await deps.store.dueJobs(Date.now() + 1, 10)).toEqual([]);
    } finally {
      await server.stop();
    }
    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--db', h.dbPath], { encoding: 'utf8' });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.ok).toBe(true);
    const types = (await readEvents(h.dbPath)).map((e) => e.type);
    expect(types).toContain('grant.issuing');
    expect(types).toContain('grant.failed');
    expect(types).not.toContain('grant.active');
  });
});

async function readEvents(dbPath: string) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT type FROM audit_events ORDER BY seq').all() as { type: string }[];
  } finally {
    db.close();
  }
}

describe('restart after a recorded, unfinished mass revocation', () => {
  it('serves before the revocation is resumed, refuses its grants meanwhile, then finishes it', async () => {
    const h = await harness();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: `resume-${i}` });
      tokens.push((await res.json()).access_token);
    }
    // What a kill -9 right after the revocation was accepted leaves: the record, no marked row.
    const now = Date.now();
    await h.deps.store.createRevocation(
      { id: 'rev_resume', filter: { all: true }, reason: 'test', requested_by: 'admin', block: false, created_at: now, finished_at: null, revoked_count: 0 },
      draft('revocation.started', now, { detail: { revocation_id: 'rev_resume' } }),
    );
    await h.deps.store.close();

    const deps = await buildNodeDeps(loadConfigFile(join(h.dir, 'tollgate.yaml'), {}), { log: silentLogger });
    const server = await startServer(deps, { port: 0, host: '127.0.0.1' });
    let reconciled = false;
    void server.reconciled.then(() => (reconciled = true));
    try {
      expect(reconciled).toBe(false);
      const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-www-form-urlencoded' };
      for (const token of tokens) {
        const res = await fetch(`${server.url}/oauth/introspect`, { method: 'POST', headers: admin, body: new URLSearchParams({ token }) });
        expect(await res.json()).toEqual({ active: false });
      }
      await server.reconciled;
      const rev = await deps.store.getRevocation('rev_resume');
      expect(rev).toMatchObject({ revoked_count: 3 });
      expect(rev!.finished_at).not.toBeNull();
    } finally {
      await server.stop();
    }
  });
});
