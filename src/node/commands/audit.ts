import { readAllEvents } from '../../audit/read-all.ts';
import { hash } from 'node:crypto';
import { parseChainPoint, verifyChain } from '../../audit/verify-chain.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { adminKey, args, call, common, print, serverUrl } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate audit verify [--db PATH | --url URL] [--expect-head HASH] [--since SEQ:HASH]

Recomputes every event's hash and link. Reports edited, missing (deleted), reordered events and
a deleted tail. --db reads the SQLite file directly (read-only); otherwise asks the server.
--expect-head compares the last hash with one you kept elsewhere (catches a rewritten tail).
--since SEQ:HASH checks only what follows a point a previous run verified (its "head_seq" and
"head"): the answer's "from" says where it started.
Exit code 0 when the chain verifies, 1 when it does not.`;

export async function auditCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return console.log(HELP), 0;
  if (sub !== 'verify') throw new CliError(HELP, 2);
  const { values: v } = args(rest, { ...common, db: { type: 'string' }, 'expect-head': { type: 'string' }, since: { type: 'string' } }, HELP);
  const from = v.since === undefined ? null : parseChainPoint(v.since);
  if (v.since !== undefined && from === null) throw new CliError(`--since takes SEQ:HASH\n\n${HELP}`, 2);
  if (v.help) return console.log(HELP), 0;
  let report: { ok: boolean; checked: number; problems: unknown[]; head?: string | null; head_seq?: number | null };
  if (v.db) {
    const store = openSqliteStore(v.db, { readonly: true });
    try {
      const head = await store.auditHead();
      const digest = (text: string) => hash('sha256', text, 'hex');
      const anchor = from === null ? null : ((await store.readAudit(from.seq - 1, 1))[0] ?? null);
      const events = readAllEvents(store, 5000, from?.seq ?? 0);
      report = { ...(await verifyChain(events, head, from === null ? { digest } : { digest, from: { ...from, anchor } })), head: head?.hash ?? null, head_seq: head?.seq ?? null };
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
