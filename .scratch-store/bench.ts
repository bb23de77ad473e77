import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { INSERT_GRANT_SQL, grantToRow } from '../src/store/sqlite/grant-rows.ts';
import type { Grant } from '../src/grants/grant.ts';
import type { RevocationFilter } from '../src/store/store.ts';

const N = Number(process.argv[2] ?? 100_000);
const HISTORY = Number(process.argv[3] ?? 0);
const filter: RevocationFilter = JSON.parse(process.argv[4] ?? '{"agent":"spiffe://acme/bench"}');
const BATCH = 2000;
const dir = mkdtempSync(join(tmpdir(), 'tg-bench-'));
const store = openSqliteStore(join(dir, 'db'));
for (const p of (process.env.PRAGMAS ?? "").split(";").filter(Boolean)) store.db.pragma(p);
for (const i of (process.env.DROP ?? "").split(",").filter(Boolean)) store.db.exec("drop index " + i);
const ins = store.db.prepare(INSERT_GRANT_SQL);
const T = 1_760_000_000_000;
const mk = (i: number, status: Grant['status'], agent: string): Grant => ({
  id: `grt_${status}_${i.toString(36).padStart(8, '0')}`, status, agent, owner: 'team-' + (i % 50), principal: 'user' + (i % 1000) + '@acme.test',
  act: { sub: agent }, task_id: 'task-' + i, resource: 'aws:s3:r' + (i % 20), provider: 'aws-sts', actions: ['read'], scope: 'aws:s3:r:read',
  intent: 'bench', policy_ids: ['p1'], approval: null, token_type: 'jwt', parent_grant_id: null, created_at: T + i, expires_at: T + 3_600_000 + i,
  issued_at: T + i, revoked_at: null, status_reason: null, lease: i % 2 ? 'lease-' + i : null, credential_fingerprint: 'sha256:' + status + i,
});
let t = performance.now();
store.db.transaction(() => {
  for (let i = 0; i < HISTORY; i++) ins.run(grantToRow(mk(i, 'expired', i % 3 ? 'spiffe://acme/bench' : 'other')));
  for (let i = 0; i < N; i++) ins.run(grantToRow(mk(i, 'active', 'spiffe://acme/bench')));
})();
console.log(`seeded ${N} live + ${HISTORY} history in ${(performance.now() - t).toFixed(0)} ms`);
const ctx = { time: T + 10_000_000, request_id: 'req', reason: 'bench', revocation_id: 'rev_1', by: 'admin' };
const times: number[] = [];
let total = 0;
t = performance.now();
for (;;) {
  const s = performance.now();
  const b = await store.revokeBatch(filter, ctx, BATCH);
  times.push(performance.now() - s);
  total += b.length;
  if (b.length < BATCH) break;
}
const all = performance.now() - t;
times.sort((a, b) => a - b);
console.log(`revoked ${total} in ${all.toFixed(0)} ms; batches ${times.length}; per batch median ${times[times.length >> 1]!.toFixed(1)} max ${times.at(-1)!.toFixed(1)} ms`);
console.log('head', (await store.auditHead())?.seq, 'jobs', (store.db.prepare('select count(*) n from revocation_jobs').get() as { n: number }).n);
await store.close();
rmSync(dir, { recursive: true, force: true });
