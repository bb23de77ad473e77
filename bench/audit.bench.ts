import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { draft } from '../src/audit/event.ts';
import { readAllEvents } from '../src/audit/read-all.ts';
import { segmentRanges } from '../src/audit/retention-plan.ts';
import { signSegment } from '../src/audit/segment.ts';
import { verifyChain } from '../src/audit/verify-chain.ts';
import { writeSegment } from '../src/audit/archive.ts';
import { directoryArchive } from '../src/node/directory-archive.ts';
import { nodeSha256 as sha256 } from '../src/node/node-sha256.ts';
import { harness, type Harness } from '../test/support/harness.ts';
import { GATEWAY_KEY, gatewayConfig, grantTokens } from './credentials.bench.ts';

const PER_MILLION = 1_000_000;

/**
 * The audit log's cost on disk and to verify, measured on a sample and extrapolated (said so in
 * the figures' names): `calls` per-call fetches (POST /v1/credentials, 8 in flight) on a real
 * SQLite file, its growth per event after a WAL checkpoint; the same number of calls again after
 * retention exported and pruned the first batch, whose freed pages SQLite reuses; the archive's
 * bytes per event; and the verify rate over the sample's real events with Node's SHA-256 (second
 * pass timed).
 */
export async function benchAudit(opts: { calls: number }) {
  // Quotas off: this measures the log's bytes, not a per-agent budget refusing the sample.
  const h = await harness(await gatewayConfig({ quotasOff: true }));
  h.clock.now = Date.now();
  const tokens = await grantTokens(h, 32);
  const db = (h.deps.store as unknown as { db: Database.Database }).db;
  const fileBytes = () => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    return statSync(h.dbPath).size;
  };

  const a0 = { bytes: fileBytes(), seq: (await h.deps.store.auditHead())!.seq };
  await fetches(h, tokens, opts.calls);
  const a1 = { bytes: fileBytes(), seq: (await h.deps.store.auditHead())!.seq };
  const events = a1.seq - a0.seq;

  // Verify rate over the sample's real events, read back from the file.
  const sample = [];
  for await (const e of readAllEvents(h.deps.store)) sample.push(e);
  // Twice, the second timed: a million-event run spends nearly all its time warm, which a
  // 20,000-event sample's first pass (JIT warm-up included) is not.
  let verifyS = 0;
  for (let pass = 0; pass < 2; pass++) {
    const t0 = performance.now();
    const report = await verifyChain(sample, await h.deps.store.auditHead(), { digest: sha256 });
    verifyS = (performance.now() - t0) / 1000;
    if (!report.ok) throw new Error('audit bench: the chain does not verify');
  }

  // Retention: export and prune everything so far, then the same calls again.
  const archive = mkdtempSync(join(tmpdir(), 'tollgate-audit-bench-'));
  const head = (await h.deps.store.auditHead())!;
  for (const range of segmentRanges(1, head.seq, 100_000)) {
    const seg = await signSegment(h.deps.store, range, h.deps.keyring.current, sha256);
    await writeSegment(directoryArchive(archive), seg);
    const ok = await h.deps.store.pruneAudit({ ...seg.claims, jws: seg.jws, exported_to: archive, pruned_at: h.clock.now }, draft('audit.pruned', h.clock.now, {}));
    if (!ok) throw new Error('audit bench: prune refused');
  }
  const archiveBytes = readdirSync(archive).reduce((n, f) => n + statSync(join(archive, f)).size, 0);
  const b0 = { bytes: fileBytes(), seq: (await h.deps.store.auditHead())!.seq };
  await fetches(h, tokens, opts.calls);
  const b1 = { bytes: fileBytes(), seq: (await h.deps.store.auditHead())!.seq };
  await h.deps.store.close();

  const bytesPerEvent = (a1.bytes - a0.bytes) / events;
  const eventsPerCall = events / opts.calls;
  return {
    sample_calls: opts.calls,
    audit_events_per_call: round(eventsPerCall),
    bytes_per_audit_event: Math.round(bytesPerEvent),
    archive_bytes_per_audit_event: Math.round(archiveBytes / head.seq),
    audit_verify_events_per_s: Math.round(sample.length / verifyS),
    audit_verify_1m_s_extrapolated: round(PER_MILLION / (sample.length / verifyS)),
    disk_growth_mib_per_1m_fetches_extrapolated: {
      without_retention: round(((a1.bytes - a0.bytes) / opts.calls) * PER_MILLION / 2 ** 20),
      // the live file once retention pruned what it exported: freed pages are reused
      with_retention_live_store: round((Math.max(0, b1.bytes - b0.bytes) / opts.calls) * PER_MILLION / 2 ** 20),
      with_retention_archive: round((archiveBytes / head.seq) * eventsPerCall * PER_MILLION / 2 ** 20),
    },
  };
}

async function fetches(h: Harness, tokens: string[], n: number): Promise<void> {
  const headers = { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' };
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < n) {
      const i = next++;
      const body = JSON.stringify({ token: tokens[i % tokens.length]!, action: 'read', tool: 'reports.get', arguments_digest: 'sha256:' + 'ab'.repeat(32) });
      const res = await h.app.request('/v1/credentials', { method: 'POST', headers, body });
      if (res.status !== 200) throw new Error(`audit bench: POST /v1/credentials answered ${res.status}`);
      await res.arrayBuffer();
    }
  }));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
