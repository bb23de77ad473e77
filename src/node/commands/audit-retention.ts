import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JWK } from 'jose';
import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import { SegmentError, signSegment } from '../../audit/segment.ts';
import type { Config } from '../../config/schema.ts';
import { loadKeyring } from '../../keys/keyring.ts';
import type { Keyring } from '../../keys/keyring.ts';
import type { Store } from '../../store/store.ts';
import { verifyArchive, writeSegment, type ArchiveKeys } from '../../audit/archive.ts';
import { applyRetention, archiveKeys, pruneExported } from '../../audit/retention.ts';
import { configuredArchive, type OpenArchive } from '../configured-archive.ts';
import { directoryArchive } from '../directory-archive.ts';
import { nodeSha256 } from '../node-sha256.ts';
import { loadConfigFile } from '../load-config.ts';
import { openConfiguredStore } from '../open-store.ts';
import { print } from './args.ts';
import { CliError } from './cli-error.ts';

interface Opened {
  config: Config;
  store: Store;
  keyring: Keyring;
  /** the configured archive: audit.retention.export_dir (resolved against the config file's directory) or export_s3 */
  archive: OpenArchive | null;
}

const NO_ARCHIVE = 'no archive is configured (audit.retention.export_dir or export_s3), and nothing is pruned before it was exported';

export async function openForRetention(configPath: string | undefined): Promise<Opened> {
  const path = configPath ?? process.env.TOLLGATE_CONFIG;
  if (!path) throw new CliError('retention needs the server configuration: pass --config PATH (or set TOLLGATE_CONFIG)', 2);
  const loaded = loadConfigFile(path);
  const { config } = loaded;
  const keyring = await loadKeyring(config.signing.keys.map((k) => ({ kid: k.kid, alg: k.alg, privateJwk: JSON.parse(k.private_jwk!) })));
  return { config, store: await openConfiguredStore(config.store), keyring, archive: await configuredArchive(config.audit.retention) };
}

async function close(o: Opened): Promise<void> {
  o.archive?.close();
  await o.store.close();
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

/** `tollgate audit export --segment FROM-TO [--out DIR]`: verify, sign and write one segment. */
export async function exportCommand(v: { config?: string; segment?: string; out?: string }): Promise<number> {
  if (!v.segment) throw new CliError('--segment FROM-TO is required', 2);
  const range = parseSegment(v.segment);
  const o = await openForRetention(v.config);
  try {
    const archive = v.out ? directoryArchive(resolve(v.out)) : o.archive;
    if (!archive) throw new CliError('no archive: pass --out DIR or configure audit.retention.export_dir (or export_s3)', 2);
    const seg = await signSegment(o.store, range, o.keyring.current, nodeSha256);
    const names = await writeSegment(archive, seg);
    const at = (name: string) => (archive.location.startsWith('s3://') ? `${archive.location}${name}` : join(archive.location, name));
    print({ ok: true, ...seg.claims, files: { events: at(names.events), checkpoint: at(names.checkpoint) } });
    return 0;
  } catch (e) {
    if (e instanceof SegmentError) return print({ ok: false, error: e.message, ...(e.report ? { problems: e.report.problems } : {}) }), 1;
    throw e;
  } finally {
    await close(o);
  }
}

/** `tollgate audit prune --through SEQ`: prune exported segments through SEQ. */
export async function pruneCommand(v: { config?: string; through?: string }): Promise<number> {
  const through = Number(v.through);
  if (!v.through || !Number.isSafeInteger(through) || through < 1) throw new CliError('--through SEQ is required', 2);
  const o = await openForRetention(v.config);
  try {
    if (!o.archive) return print({ ok: false, pruned: [], error: `prune refused: ${NO_ARCHIVE}` }), 1;
    const r = await pruneExported({ ...o, archive: o.archive, digest: nodeSha256 }, through, archiveKeys(o.keyring), Date.now());
    print({ ok: !r.refused, pruned: r.pruned.map(summary), ...(r.refused ? { error: `prune refused: ${r.refused}` } : {}) });
    return r.refused ? 1 : 0;
  } finally {
    await close(o);
  }
}

/** `tollgate audit retain`: apply audit.retention: export what it lets go, then prune it. */
export async function retainCommand(v: { config?: string }): Promise<number> {
  const o = await openForRetention(v.config);
  try {
    const policy = o.config.audit.retention;
    if (!o.archive) return print({ ok: false, pruned: [], error: `retention refused: ${NO_ARCHIVE}` }), 1;
    const r = await applyRetention({ ...o, archive: o.archive, digest: nodeSha256 }, policy, Date.now());
    print({ ok: !r.refused, pruned: r.pruned.map(summary), ...(r.refused ? { error: r.refused } : {}) });
    return r.refused ? 1 : 0;
  } catch (e) {
    if (e instanceof SegmentError) return print({ ok: false, error: e.message, ...(e.report ? { problems: e.report.problems } : {}) }), 1;
    throw e;
  } finally {
    await close(o);
  }
}

const summary = (c: AuditCheckpoint) => ({ seq_from: c.seq_from, seq_to: c.seq_to, count: c.count, head_hash: c.head_hash, exported_to: c.exported_to });

/** `tollgate audit verify --archive DIR`: the archive offline, against its checkpoints. */
export async function verifyArchiveCommand(dir: string, keys: ArchiveKeys): Promise<number> {
  const report = await verifyArchive(directoryArchive(resolve(dir)), keys, nodeSha256);
  print(report);
  return report.ok ? 0 : 1;
}
