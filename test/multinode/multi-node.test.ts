// Several Tollgate processes on one PostgreSQL, as a user runs them behind a load balancer:
// revocation seen by every node at once, races across nodes, a node killed in the middle of a
// mass revocation, a node cut off from the database.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_WORKLOAD_ISSUER, devTokenSigner, prepareDevData, readDevKeys } from '../../src/node/dev-mode.ts';
import { freePort } from '../support/free-port.ts';
import { POSTGRES_URL } from '../support/postgres.ts';
import { CLI, ROOT, cuttableProxy, devConfigWith, freshDatabase, roundRobin, startNode, type Node } from './nodes.ts';

const AGENT = 'spiffe://dev.local/agent/demo';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

describe.skipIf(POSTGRES_URL === undefined)('several nodes on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let data: string;
  let adminKey: string;
  let gatewayKey: string;
  const nodes: Node[] = [];

  const identity = async (ttl = 600) => (await devTokenSigner(readDevKeys(data).workload, DEV_WORKLOAD_ISSUER))(AGENT, ttl);

  const exchange = async (node: Node, task: string) =>
    fetch(`${node.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: await identity(), subject_token_type: JWT, scope: 'demo:reports:read', task_id: task }),
    });
  const token = async (node: Node, task: string) => {
    const r = await exchange(node, task);
    expect(r.status, await r.clone().text()).toBe(200);
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const admin = (node: Node, path: string, body?: unknown) =>
    fetch(`${node.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const introspect = async (node: Node, t: string) =>
    (await (
      await fetch(`${node.url}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t }),
      })
    ).json()) as { active: boolean };
  const perCall = (node: Node, t: string) =>
    fetch(`${node.url}/v1/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: t, action: 'read' }),
    });
  const grantId = (t: string) => decodeJwt(t).jti as string;

  beforeAll(async () => {
    db = await freshDatabase();
    data = mkdtempSync(join(tmpdir(), 'tollgate-mn-'));
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const issuer = `http://127.0.0.1:${ports[0]}`;
    // One data folder (one set of dev keys), one issuer URL, one database; the reconciler runs every second.
    const dev = await prepareDevData(data, ports[0]!, issuer);
    adminKey = dev.adminKey;
    gatewayKey = dev.gatewayKey;
    const config = devConfigWith(data, { reconcile_interval: 1, job_interval: 1 });
    for (const p of ports) nodes.push(await startNode(['--config', config, '--store', db.url], p!, { ...dev.env, TOLLGATE_DEV_PORT: String(p) }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await db?.drop();
  });

  it('a grant issued on node 1 and revoked on node 2 is refused by node 3 on its very next call', async () => {
    const [n1, n2, n3] = nodes as [Node, Node, Node];
    const t = await token(n1, 'mn-1');
    expect((await perCall(n3, t)).status).toBe(200);
    expect(await introspect(n3, t)).toMatchObject({ active: true });
    const r = await admin(n2, '/v1/revocations', { grant_ids: [grantId(t)], reason: 'multi-node test' });
    expect([200, 202]).toContain(r.status);
    const refused = await perCall(n3, t);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await introspect(n1, t)).toEqual({ active: false });
    expect(await introspect(n3, t)).toEqual({ active: false });
  });

  it('exchanges on two nodes racing a blocking revocation on a third leave no live grant', { timeout: 120_000 }, async () => {
    const [n1, n2, n3] = nodes as [Node, Node, Node];
    const issued: string[] = [];
    let stop = false;
    let revoking: { from: number; to: number } | null = null;
    let overlapped = 0;
    const agentLoop = async (node: Node) => {
      for (let i = 0; !stop && i < 250; i++) {
        const from = performance.now();
        const r = await exchange(node, `race-${i}`);
        const to = performance.now();
        if (revoking && from <= revoking.to && to >= revoking.from) overlapped++;
        if (r.status === 200) issued.push(((await r.json()) as { access_token: string }).access_token);
        else expect([400, 403]).toContain(r.status); // refused once blocked, never a 5xx
      }
    };
    const loops = [agentLoop(n1), agentLoop(n3), agentLoop(n1), agentLoop(n3)];
    while (issued.length < 40) await new Promise((r) => setTimeout(r, 20));
    const revFrom = performance.now();
    const rev = await admin(n2, '/v1/revocations', { agent: AGENT, block: true, reason: 'race test' });
    revoking = { from: revFrom, to: performance.now() };
    expect([200, 202]).toContain(rev.status);
    const { revocation_id } = (await rev.json()) as { revocation_id: string };
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(loops);
    // It raced: exchanges were in flight on the other nodes while the revocation was recorded.
    expect(overlapped).toBeGreaterThan(0);
    const alive = (await Promise.all(issued.map((t, i) => introspect(nodes[i % 3]!, t)))).filter((r) => r.active);
    expect(alive).toEqual([]);
    expect((await exchange(n3, 'after-block')).status).toBeGreaterThanOrEqual(400);
    // Unblock for the tests after this one: the block belongs to this revocation.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('DELETE FROM blocks WHERE revocation_id = $1', [revocation_id]);
    await c.end();
  });

  it('a node killed in the middle of a mass revocation: another node finishes it, every grant with its event and job', { timeout: 120_000 }, async () => {
    const [, n2, n3] = nodes as [Node, Node, Node];
    const c = new pg.Client({ connectionString: db.url });
    c.on('error', () => {}); // the database is dropped with FORCE after the suite, even if this test fails early
    await c.connect();
    const N = 30_000;
    const now = Date.now();
    // Live grants seeded in bulk (their creation is not what is under test).
    await c.query(
      `INSERT INTO grants (id, status, agent, owner, principal, act, task_id, resource, provider, actions, scope, intent, policy_ids, approval,
         token_type, parent_grant_id, created_at, expires_at, issued_at, lease)
       SELECT 'grt_mass_' || i, 'active', 'spiffe://dev.local/agent/mass', 'dev-team', NULL, NULL, 'mass', 'demo:reports', 'tollgate', '["read"]',
         'demo:reports:read', NULL, '[]', NULL, 'urn:ietf:params:oauth:token-type:jwt', NULL, $1, $2, $1, 'lease-' || i
       FROM generate_series(1, $3::int) AS i`,
      [now, now + 3_600_000, N],
    );
    const r = await admin(n2, '/v1/revocations', { agent: 'spiffe://dev.local/agent/mass', reason: 'kill test' });
    expect([200, 202]).toContain(r.status);
    const { revocation_id } = (await r.json()) as { revocation_id: string };
    await n2.kill('SIGKILL');
    // Killed with most of its rows still to mark: what follows is another node's doing.
    const right_after = (await (await admin(n3, `/v1/revocations/${revocation_id}`)).json()) as { status: string; revoked_count?: number };
    expect(right_after.status).not.toBe('finished');
    let status = '';
    for (let i = 0; i < 600 && status !== 'finished'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      status = ((await (await admin(n3, `/v1/revocations/${revocation_id}`)).json()) as { status: string }).status;
    }
    expect(status).toBe('finished');
    const q = async (sql: string, ...p: unknown[]) => Number((await c.query(sql, p)).rows[0].n);
    expect(await q(`SELECT count(*) AS n FROM grants WHERE agent = 'spiffe://dev.local/agent/mass' AND status <> 'revoked'`)).toBe(0);
    expect(await q(`SELECT count(*) AS n FROM grants WHERE revoked_by = $1`, revocation_id)).toBe(N);
    expect(await q(`SELECT count(*) AS n FROM audit_events WHERE type = 'grant.revoked' AND detail::json ->> 'revocation_id' = $1`, revocation_id)).toBe(N);
    // One job per grant with a lease, queued or already done by a worker (a done job has its event),
    // counted in one statement: a worker completing jobs meanwhile must not be counted twice.
    expect(
      await q(
        `SELECT (SELECT count(*) FROM revocation_jobs WHERE grant_id LIKE 'grt_mass_%') +
                (SELECT count(*) FROM audit_events WHERE type = 'revocation.upstream' AND grant_id LIKE 'grt_mass_%') AS n`,
      ),
    ).toBe(N);
    await c.end();
    const verify = await admin(n3, '/v1/audit/verify');
    expect(await verify.json()).toMatchObject({ ok: true });
  });
});

describe.skipIf(POSTGRES_URL === undefined)('a node cut off from PostgreSQL', () => {
  it('fails closed (503, not ready, nothing served) and recovers when the database is back', { timeout: 120_000 }, async () => {
    const db = await freshDatabase();
    const proxy = await cuttableProxy(db.url);
    const data = mkdtempSync(join(tmpdir(), 'tollgate-cut-'));
    const port = await freePort();
    const node = await startNode(['--dev', '--data', data, '--store', proxy.url], port);
    try {
      const keys = readDevKeys(data);
      const adminKey = readFileSync(join(data, 'dev-admin.key'), 'utf8').trim();
      const gatewayKey = readFileSync(join(data, 'dev-gateway.key'), 'utf8').trim();
      const sign = await devTokenSigner(keys.workload, DEV_WORKLOAD_ISSUER);
      const identity = () => sign(AGENT, 600);
      const exchange = async () =>
        fetch(`${node.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: await identity(), subject_token_type: JWT, scope: 'demo:reports:read', task_id: 'cut' }),
        });
      const perCall = (t: string) =>
        fetch(`${node.url}/v1/credentials`, { method: 'POST', headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ token: t, action: 'read' }) });
      const ok = await exchange();
      expect(ok.status).toBe(200);
      const t = ((await ok.json()) as { access_token: string }).access_token;
      expect((await perCall(t)).status).toBe(200);

      proxy.cut();
      const refused = await exchange();
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
      // The credential served a moment ago is not served again from memory while the store cannot answer.
      expect((await perCall(t)).status).toBe(503);
      let ready = 200;
      for (let i = 0; i < 50 && ready === 200; i++) {
        ready = (await fetch(`${node.url}/healthz/ready`)).status;
        if (ready === 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(503);
      expect((await fetch(`${node.url}/healthz/live`)).status).toBe(200);
      void adminKey;

      proxy.restore();
      let back = 503;
      for (let i = 0; i < 100 && back !== 200; i++) {
        back = (await exchange()).status;
        if (back !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(back).toBe(200);
      expect((await perCall(t)).status).toBe(200);
    } finally {
      await node.kill();
      await proxy.close();
      await db.drop();
    }
  });
});

describe.skipIf(POSTGRES_URL === undefined)('audit retention on two nodes (audit.retention.interval)', () => {
  it('the nodes take turns: one chain of whole segments in one archive, verified live and offline', { timeout: 120_000 }, async () => {
    const db = await freshDatabase();
    const data = mkdtempSync(join(tmpdir(), 'tollgate-mnret-'));
    const archive = join(data, 'archive');
    const ports = [await freePort(), await freePort()];
    const dev = await prepareDevData(data, ports[0]!, `http://127.0.0.1:${ports[0]}`);
    const config = devConfigWith(data, {}, { audit: { retention: { export_dir: archive, max_events: 6, segment_events: 5, interval: 1 } } });
    const pair: Node[] = [];
    try {
      for (const p of ports) pair.push(await startNode(['--config', config, '--store', db.url], p!, { ...dev.env, TOLLGATE_DEV_PORT: String(p) }));
      const sign = await devTokenSigner(readDevKeys(data).workload, DEV_WORKLOAD_ISSUER);
      const checkpoints = () => (existsSync(archive) ? readdirSync(archive).filter((n) => n.endsWith('.checkpoint.jws')) : []);
      for (let i = 0; checkpoints().length < 4; i++) {
        if (i > 400) throw new Error(`no segments archived:\n${pair.map((n) => n.output()).join('\n')}`);
        const body = new URLSearchParams({ grant_type: EXCHANGE, subject_token: await sign(AGENT, 600), subject_token_type: JWT, scope: 'demo:reports:read', task_id: `ret-${i}` });
        const r = await fetch(`${pair[i % 2]!.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        expect(r.status).toBe(200);
        await new Promise((res) => setTimeout(res, 25));
      }
      // The files are written before the prune they allow, which logs when done.
      const logs = () => pair.map((n) => n.output()).join('');
      for (let i = 0; !/audit retention pruned exported segments/.test(logs()); i++) {
        if (i > 200) throw new Error(`no prune logged:\n${logs()}`);
        await new Promise((res) => setTimeout(res, 25));
      }
      const adminKey = readFileSync(join(data, 'dev-admin.key'), 'utf8').trim();
      const live = (await (await fetch(`${pair[1]!.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as Record<string, any>;
      expect(live).toMatchObject({ ok: true });
      const { seq_from, seq_to } = live.from_checkpoint as { seq_from: number; seq_to: number };
      expect(seq_to - seq_from + 1).toBe(5);
      writeFileSync(join(data, 'jwks.json'), await (await fetch(`${pair[0]!.url}/.well-known/jwks.json`)).text());
      const off = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--archive', archive, '--jwks', join(data, 'jwks.json')], { encoding: 'utf8' });
      expect(off.status, off.stdout + off.stderr).toBe(0);
      // One chain, from seq 1 to where the live store continues: no segment twice, none missing.
      expect(JSON.parse(off.stdout)).toMatchObject({ ok: true, first_seq: 1 });
      expect(JSON.parse(off.stdout).last_seq).toBeGreaterThanOrEqual(seq_to);
      expect(logs()).not.toMatch(/audit retention (refused|failed)/);
    } finally {
      await Promise.all(pair.map((n) => n.kill()));
      await db.drop();
    }
  });
});

describe.skipIf(POSTGRES_URL === undefined)('two dev nodes behind one address', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let lb: Awaited<ReturnType<typeof roundRobin>>;
  const nodes: Node[] = [];
  let data: string;

  beforeAll(async () => {
    db = await freshDatabase();
    data = mkdtempSync(join(tmpdir(), 'tollgate-lb-'));
    lb = await roundRobin(() => nodes.map((n) => n.url));
    // As the README says: one data folder, one issuer URL (the balancer's), one database.
    for (const p of [await freePort(), await freePort()]) nodes.push(await startNode(['--dev', '--data', data, '--store', db.url, '--issuer', lb.url], p));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await lb?.close();
    await db?.drop();
  });

  it('the README walk-through passes with its requests alternating between the nodes', { timeout: 180_000 }, async () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme)![1]!;
    // Not spawnSync: the balancer runs in this process and must keep answering.
    const child = spawn('bash', ['-e', '-c', block.replaceAll('http://127.0.0.1:8787', lb.url)], {
      cwd: ROOT,
      env: { ...process.env, TOLLGATE_URL: lb.url, TOLLGATE_DATA: data, TOLLGATE_ADMIN_KEY: '', TOLLGATE_APPROVER_TOKEN: '' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(status, out).toBe(0);
    expect(out).toContain('"active": true');
    expect(out).toContain('"active": false');
    expect(out).toMatch(/"status": "approved"/);
    expect(out).toMatch(/"ok": true,\s*"checked": \d+/);
  });
});

describe.skipIf(POSTGRES_URL === undefined)('config/tollgate.postgres.example.yaml', () => {
  it('serves with DATABASE_URL: exchange, introspect, healthy', { timeout: 60_000 }, async () => {
    const db = await freshDatabase();
    const data = mkdtempSync(join(tmpdir(), 'tollgate-pgex-'));
    const port = await freePort();
    const dev = await prepareDevData(data, port);
    const node = await startNode(['--config', join(ROOT, 'config/tollgate.postgres.example.yaml')], port, {
      DATABASE_URL: db.url,
      TOLLGATE_DATA: data,
      TOLLGATE_ISSUER: `http://127.0.0.1:${port}`,
      TOLLGATE_ADMIN_KEY_HASH: dev.env.TOLLGATE_DEV_ADMIN_KEY_HASH!,
    });
    try {
      const identity = await (await devTokenSigner(readDevKeys(data).workload, DEV_WORKLOAD_ISSUER))(AGENT, 600);
      const r = await fetch(`${node.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: identity, subject_token_type: JWT, scope: 'demo:reports:read', task_id: 'example' }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
      const { access_token } = (await r.json()) as { access_token: string };
      const i = await fetch(`${node.url}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dev.adminKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: access_token }),
      });
      expect(await i.json()).toMatchObject({ active: true, scope: 'demo:reports:read' });
      expect((await fetch(`${node.url}/healthz/ready`)).status).toBe(200);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      expect((await c.query(`SELECT count(*)::int AS n FROM tollgate.grants`)).rows[0]).toEqual({ n: 1 });
      await c.end();
    } finally {
      await node.kill();
      await db.drop();
    }
  });
});
