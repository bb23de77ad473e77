import { hash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { JWK } from 'jose';
import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import { draft } from '../../audit/event.ts';
import { readAllEvents } from '../../audit/read-all.ts';
import { pruneThrough, segmentRanges } from '../../audit/retention-plan.ts';
import { SegmentError, signSegment } from '../../audit/segment.ts';
import { verifyChain } from '../../audit/verify-chain.ts';
import type { Config } from '../../config/schema.ts';
import { loadKeyring } from '../../keys/keyring.ts';
import type { Keyring } from '../../keys/keyring.ts';
import type { Store } from '../../store/store.ts';
import { readSegment, segmentBase, verifyArchive, writeSegment } from '../audit-archive.ts';
import type { ArchiveKeys } from '../audit-archive.ts';
import { loadConfigFile } from '../load-config.ts';
import { openConfiguredStore } from '../open-store.ts';
import { print } from './args.ts';
import { CliError } from './cli-error.ts';

const sha256 = (text: string) => hash('sha256', text, 'hex');

interface Opened {
  config: Config;
  store: Store;
  keyring: Keyring;
  /** audit.retention.export_dir, resolved against the config file's directory */
  exportDir: string | null;
}

export async function openForRetention(configPath: string | undefined): Promise<Opened> {
  const path = configPath ?? process.env.TOLLGATE_CONFIG;
  if (!path) throw new CliError('retention needs the server configuration: pass --config PATH (or set TOLLGATE_CONFIG)', 2);
  const loaded = loadConfigFile(path);
  const { config } = loaded;
  const keyring = await loadKeyring(config.signing.keys.map((k) => ({ kid: k.kid, alg: k.alg, privateJwk: JSON.parse(k.private_jwk!) })));
  const dir = config.audit.retention.export_dir;
  const exportDir = dir === undefined ? null : isAbsolute(dir) ? dir : resolve(dirname(loaded.path), dir);
  return { config, store: await openConfiguredStore(config.store), keyring, exportDir };
}

/** `--jwks FILE` (a saved /.well-known/jwks.json), for checking checkpoints without the private keys. */
export function keysFromJwksFile(path: string): ArchiveKeys {
  let jwks: { keys: JWK[] };
  try {
    jwks = JSON.parse(readFileSync(path, 'utf8')) as { keys: JWK[] };
  } catch {
    throw new CliError(`--jwks: cannot read a JSON key set from ${path}`, 2);
  }
  if (!Array.isArray(jwks.keys)) throw new CliError('--jwks: not a key set (no "keys" array)', 2);
  return { jwks, algorithms: [...new Set(jwks.keys.map((k) => k.alg).filter((a): a is string => typeof a === 'string'))] };
}

function parseSegment(s: string): { from: number; to: number } {
  const m = /^([1-9][0-9]{0,15})-([1-9][0-9]{0,15})$/.exec(s);
  if (!m) throw new CliError('--segment takes FROM-TO (seqs, inclusive)', 2);
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** The first seq the live store still holds (the one after the newest checkpoint). */
async function firstRetained(store: Store): Promise<number> {
  return ((await store.auditCheckpoints()).at(-1)?.seq_to ?? 0) + 1;
}

/** `tollgate audit export --segment FROM-TO [--out DIR]`: verify, sign and write one segment. */
export async function exportCommand(v: { config?: string; segment?: string; out?: string }): Promise<number> {
  if (!v.segment) throw new CliError('--segment FROM-TO is required', 2);
  const range = parseSegment(v.segment);
  const o = await openForRetention(v.config);
  try {
    const dir = v.out ? resolve(v.out) : o.exportDir;
    if (!dir) throw new CliError('no archive directory: pass --out DIR or configure audit.retention.export_dir', 2);
    const seg = await signSegment(o.store, range, o.keyring.current, sha256);
    const files = writeSegment(dir, seg);
    print({ ok: true, ...seg.claims, files });
    return 0;
  } catch (e) {
    if (e instanceof SegmentError) return print({ ok: false, error: e.message, ...(e.report ? { problems: e.report.problems } : {}) }), 1;
    throw e;
  } finally {
    await o.store.close();
  }
}

/**
 * Prune the live store through `through`: only segments found in the archive, whose checkpoint
 * verifies against Tollgate's keys and whose events verify against it; the store then checks the
 * checkpoint against the events it holds. Refused otherwise, nothing pruned.
 */
async function pruneExported(o: Opened, dir: string, through: number, keys: ArchiveKeys, now: number): Promise<{ pruned: AuditCheckpoint[]; refused?: string }> {
  const pruned: AuditCheckpoint[] = [];
  for (let from = await firstRetained(o.store); from <= through; ) {
    const to = findSegmentEnd(dir, from, through);
    if (to === null) return { pruned, refused: `seqs ${from}..${through} were not exported to ${dir}: export them first (tollgate audit export --segment ${from}-${through})` };
    let seg;
    try {
      seg = await readSegment(dir, from, to, keys);
    } catch {
      return { pruned, refused: `the checkpoint of the archived segment ${from}..${to} does not verify against Tollgate's keys` };
    }
    if (!seg) return { pruned, refused: `the archived segment ${from}..${to} is incomplete (its events file is missing)` };
    const c = seg.claims;
    const from0 = { seq: c.seq_from - 1, hash: c.prev_hash };
    const report = await verifyChain(seg.events, { seq: c.seq_to, hash: c.head_hash }, { digest: sha256, ...(c.seq_from > 1 ? { from: { ...from0, anchor: from0 } } : {}) });
    if (!report.ok || report.checked !== c.count) return { pruned, refused: `the archived segment ${from}..${to} does not verify against its checkpoint` };
    const cp: AuditCheckpoint = { ...c, exported_to: dir, jws: seg.jws, pruned_at: now };
    const event = draft('audit.pruned', now, { reason: 'retention', detail: { seq_from: c.seq_from, seq_to: c.seq_to, count: c.count, head_hash: c.head_hash, exported_to: dir } });
    if (!(await o.store.pruneAudit(cp, event))) return { pruned, refused: `the store refused segment ${from}..${to}: its checkpoint does not match the events it holds` };
    pruned.push(cp);
    from = to + 1;
  }
  return { pruned };
}

/** The end of the archived segment starting at `from` that does not reach past `through`. */
function findSegmentEnd(dir: string, from: number, through: number): number | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const prefix = segmentBase(from, 0).slice(0, -16);
  const ends = names.filter((n) => n.startsWith(prefix) && n.endsWith('.checkpoint.jws')).map((n) => Number(n.slice(prefix.length, prefix.length + 16)));
  const fit = ends.filter((t) => t <= through).sort((a, b) => b - a)[0];
  return fit ?? null;
}

function archiveKeys(k: Keyring): ArchiveKeys {
  return { jwks: k.jwks, algorithms: k.algorithms };
}

/** `tollgate audit prune --through SEQ`: prune exported segments through SEQ. */
export async function pruneCommand(v: { config?: string; through?: string }): Promise<number> {
  const through = Number(v.through);
  if (!v.through || !Number.isSafeInteger(through) || through < 1) throw new CliError('--through SEQ is required', 2);
  const o = await openForRetention(v.config);
  try {
    if (!o.exportDir) return print({ ok: false, pruned: [], error: 'prune refused: audit.retention.export_dir is not configured, and nothing is pruned before it was exported' }), 1;
    const r = await pruneExported(o, o.exportDir, through, archiveKeys(o.keyring), Date.now());
    print({ ok: !r.refused, pruned: r.pruned.map(summary), ...(r.refused ? { error: `prune refused: ${r.refused}` } : {}) });
    return r.refused ? 1 : 0;
  } finally {
    await o.store.close();
  }
}

/** `tollgate audit retain`: apply audit.retention: export what it lets go, then prune it. */
export async function retainCommand(v: { config?: string }): Promise<number> {
  const o = await openForRetention(v.config);
  try {
    const policy = o.config.audit.retention;
    if (!o.exportDir) return print({ ok: false, pruned: [], error: 'retention refused: audit.retention.export_dir is not configured, and nothing is pruned before it was exported' }), 1;
    const now = Date.now();
    const from = await firstRetained(o.store);
    const through = await pruneThrough(readAllEvents(o.store, 5000, from - 1), await o.store.auditHead(), policy, now);
    for (const range of segmentRanges(from, through, policy.segment_events)) writeSegment(o.exportDir, await signSegment(o.store, range, o.keyring.current, sha256));
    const r = through >= from ? await pruneExported(o, o.exportDir, through, archiveKeys(o.keyring), now) : { pruned: [] };
    print({ ok: !r.refused, pruned: r.pruned.map(summary), ...(r.refused ? { error: r.refused } : {}) });
    return r.refused ? 1 : 0;
  } catch (e) {
    if (e instanceof SegmentError) return print({ ok: false, error: e.message, ...(e.report ? { problems: e.report.problems } : {}) }), 1;
    throw e;
  } finally {
    await o.store.close();
  }
}

const summary = (c: AuditCheckpoint) => ({ seq_from: c.seq_from, seq_to: c.seq_to, count: c.count, head_hash: c.head_hash, exported_to: c.exported_to });

/** `tollgate audit verify --archive DIR`: the archive offline, against its checkpoints. */
export async function verifyArchiveCommand(dir: string, keys: ArchiveKeys): Promise<number> {
  const report = await verifyArchive(resolve(dir), keys, sha256);
  print(report);
  return report.ok ? 0 : 1;
}
