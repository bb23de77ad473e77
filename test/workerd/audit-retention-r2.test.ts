// Audit retention on Workers, inside workerd: segments exported to a real (local) R2 bucket and
// pruned from a real (local) D1 database, by the step the Cron Trigger runs.
import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../src/audit/archive.ts';
import { draft } from '../../src/audit/event.ts';
import { verifyLiveChain } from '../../src/audit/verify-live.ts';
import type { Config } from '../../src/config/schema.ts';
import { retainAudit } from '../../src/grants/maintenance.ts';
import { loadKeyring } from '../../src/keys/keyring.ts';
import type { LogLevel } from '../../src/log.ts';
import { r2Archive } from '../../src/worker/r2-archive.ts';
import { freshStore, reset } from './support.ts';

const T0 = 1_760_000_000_000;

describe('audit retention into R2 (audit.retention.export_r2_binding)', () => {
  afterEach(() => reset());

  it('exports whole segments to the bucket and prunes them; the archive and the live chain verify; tampering in R2 is caught', async () => {
    const store = await freshStore();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const keyring = await loadKeyring([{ kid: 'sig-1', alg: 'ES256', privateJwk: { ...(await exportJWK(privateKey)), kid: 'sig-1', alg: 'ES256' } }]);
    await store.appendAudits(Array.from({ length: 30 }, (_, i) => draft('credential.issued', T0 + i, { detail: { i } })));
    const logged: { level: LogLevel; msg: string }[] = [];
    const archive = r2Archive(env.ARCHIVE, 'ARCHIVE');
    const deps = {
      auditArchive: archive,
      config: { audit: { retention: { max_events: 5, segment_events: 10, export_r2_binding: 'ARCHIVE' } } } as Config,
      store,
      keyring,
      log: { log: (level: LogLevel, msg: string) => void logged.push({ level, msg }) },
      now: () => T0 + 60_000,
    };

    const r = await retainAudit(deps);
    // 30 events, the newest 5 kept: through 25, whole segments of 10 only, so through 20.
    expect(r?.refused).toBeUndefined();
    expect(r?.pruned.map((c) => [c.seq_from, c.seq_to, c.exported_to])).toEqual([[1, 10, 'r2:ARCHIVE'], [11, 20, 'r2:ARCHIVE']]);
    expect((await env.ARCHIVE.list({ prefix: 'audit-' })).objects.map((o) => o.key).sort()).toEqual([
      'audit-0000000000000001-0000000000000010.checkpoint.jws',
      'audit-0000000000000001-0000000000000010.jsonl',
      'audit-0000000000000011-0000000000000020.checkpoint.jws',
      'audit-0000000000000011-0000000000000020.jsonl',
    ]);
    expect(logged).toContainEqual({ level: 'info', msg: 'audit retention pruned exported segments' });
    expect((await store.readAudit(0, 1))[0]?.seq).toBe(21);

    const keys = { jwks: keyring.jwks, algorithms: keyring.algorithms };
    expect(await verifyArchive(archive, keys)).toMatchObject({ ok: true, segments: 2, checked: 20, first_seq: 1, last_seq: 20 });
    const live = await verifyLiveChain(store, { keys });
    expect(live).toMatchObject({ ok: true, from_checkpoint: { seq_from: 11, seq_to: 20 } });

    // Nothing more is due: the next run prunes nothing.
    expect((await retainAudit(deps))?.pruned).toEqual([]);

    // An event edited inside the bucket no longer verifies against its checkpoint.
    const name = 'audit-0000000000000011-0000000000000020.jsonl';
    const text = await (await env.ARCHIVE.get(name))!.text();
    await env.ARCHIVE.put(name, text.replace('"i":12', '"i":99'));
    const tampered = await verifyArchive(archive, keys);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.some((p) => p.segment === 'audit-0000000000000011-0000000000000020')).toBe(true);
  });
});
