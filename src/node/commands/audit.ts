import { nodeSha256 } from '../node-sha256.ts';
import { parseChainPoint } from '../../audit/verify-chain.ts';
import { verifyLiveChain } from '../../audit/verify-live.ts';
import type { LiveChainReport } from '../../audit/verify-live.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';
import type { ArchiveKeys } from '../../audit/archive.ts';
import { isPostgresUrl } from '../../lib/postgres-url.ts';

const HELP = `usage: tollgate audit verify [--db PATH|URL [--config PATH | --jwks FILE] | --url URL] [--expect-head HASH] [--since SEQ:HASH]
       tollgate audit verify --archive DIR (--jwks FILE | --config PATH)
       tollgate audit export --segment FROM-TO [--out DIR] [--config PATH]
       tollgate audit prune --through SEQ [--config PATH]
       tollgate audit retain [--config PATH]

verify   Recomputes every event's hash and link. Reports edited, missing (deleted), reordered events and
         a deleted tail. --db reads the store directly: a SQLite file (read-only), or a PostgreSQL URL
         (postgres://…, read-only transactions, never migrated); otherwise asks the server.
         Once a prefix was pruned, the live chain is verified from the newest checkpoint, whose
         signature must verify (--config or --jwks gives the keys); the answer's "from_checkpoint"
         says which. --archive verifies an exported archive offline: every checkpoint's signature,
         every segment's events against it, and the segments against each other.
         --expect-head compares the last hash with one you kept elsewhere (catches a rewritten tail).
         --since SEQ:HASH checks only what follows a point a previous run verified (its "head_seq" and
         "head"): the answer's "from" says where it started.
export   Verifies seqs FROM..TO, signs their checkpoint with Tollgate's key and writes
         audit-FROM-TO.jsonl and audit-FROM-TO.checkpoint.jws to DIR (audit.retention.export_dir).
prune    Deletes exported segments through SEQ from the live store: only segments found in
         audit.retention.export_dir whose checkpoint and events verify, and only from the oldest retained
         event on. Refused, nothing deleted, for anything not exported.
retain   Applies audit.retention (max_age, max_events): exports what it lets go, then prunes it.
         Run it from cron or a timer; it works beside a running server.
Exit code 0 when it verifies (or was done), 1 when not.`;

export async function auditCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return console.log(HELP), 0;
  const options = { ...common, config: { type: 'string' }, db: { type: 'string' }, 'expect-head': { type: 'string' }, since: { type: 'string' }, archive: { type: 'string' }, jwks: { type: 'string' }, segment: { type: 'string' }, out: { type: 'string' }, through: { type: 'string' } } as const;
  if (sub !== 'verify' && sub !== 'export' && sub !== 'prune' && sub !== 'retain') throw new CliError(HELP, 2);
  const { values: v } = args(rest, options, HELP);
  if (v.help) return console.log(HELP), 0;
  if (sub !== 'verify') {
    const r = await import('./audit-retention.ts');
    if (sub === 'export') return r.exportCommand(v);
    if (sub === 'prune') return r.pruneCommand(v);
    return r.retainCommand(v);
  }
  if (v.archive) return (await import('./audit-retention.ts')).verifyArchiveCommand(v.archive, await verifyKeys(v, true));
  const from = v.since === undefined ? null : parseChainPoint(v.since);
  if (v.since !== undefined && from === null) throw new CliError(`--since takes SEQ:HASH\n\n${HELP}`, 2);
  let report: Pick<LiveChainReport, 'ok' | 'checked' | 'head' | 'head_seq'> & { problems: unknown[] };
  if (v.db) {
    const keys = await verifyKeys(v, false);
    const store = await openForVerify(v.db);
    try {
      // A SQLite file is read by a second thread too: two halves of a long chain at once.
      const tail = isPostgresUrl(v.db) ? {} : { tail: (await import('../verify-tail.ts')).sqliteTail(v.db) };
      report = await verifyLiveChain(store, { digest: nodeSha256, since: from, keys, ...tail });
    } finally {
      await store.close();
    }
  } else {
    const res = await call(`${serverUrl(v)}/v1/audit/verify${v.since ? `?since=${encodeURIComponent(v.since)}` : ''}`, { headers: { authorization: `Bearer ${adminKey(v)}` } });
    if (res.status !== 200 && res.status !== 409) return console.error(res.text), 1;
    report = res.body as typeof report;
  }
  if (v['expect-head'] && report.head !== undefined && report.head !== v['expect-head']) {
    report.ok = false;
    report.problems.push({ kind: 'head_mismatch', detail: `last hash ${report.head} is not the expected ${v['expect-head']}` });
  }
  print(report);
  return report.ok ? 0 : 1;
}

/** --db: a SQLite file, opened read-only, or a PostgreSQL URL, read in read-only transactions and never migrated. */
async function openForVerify(db: string) {
  if (!isPostgresUrl(db)) return openSqliteStore(db, { readonly: true });
  const { openPostgresStore } = await import('../../store/postgres/postgres-store.ts');
  return openPostgresStore(db, { readOnly: true, maxConnections: 2 });
}

/**
 * The public keys that checkpoints must verify against: a saved key set (--jwks), or the
 * configured signing keys (--config). With neither, a pruned store's checkpoint cannot verify,
 * and says so; an archive needs one.
 */
async function verifyKeys(v: { jwks?: string; config?: string }, required: boolean): Promise<ArchiveKeys> {
  const r = await import('./audit-retention.ts');
  if (v.jwks) return r.keysFromJwksFile(v.jwks);
  if (v.config) {
    const { loadConfigFile } = await import('../load-config.ts');
    const { loadKeyring } = await import('../../keys/keyring.ts');
    const { config } = loadConfigFile(v.config);
    const k = await loadKeyring(config.signing.keys.map((s) => ({ kid: s.kid, alg: s.alg, privateJwk: JSON.parse(s.private_jwk!) })));
    return { jwks: k.jwks, algorithms: k.algorithms };
  }
  if (required) throw new CliError('--archive needs the keys to check checkpoints with: --jwks FILE (a saved /.well-known/jwks.json) or --config PATH', 2);
  return { jwks: { keys: [] }, algorithms: ['ES256'] };
}
