import pg from 'pg';
import { EXPECT_CHANGES_SQL, WriteConflict } from '../sql/guard.ts';
import type { SqlDatabase, SqlResult, SqlStatement } from '../sql/sql-database.ts';

/**
 * SqlDatabase over a `pg` pool, so the SQL store's guarded batches run on PostgreSQL unchanged.
 * What this driver holds is what differs from D1: numbered placeholders, the transaction a batch
 * runs in, the changes() guard (PostgreSQL reports row counts to the client instead), and which
 * errors mean "another writer got there first".
 */
/**
 * Statements run alone are named, so each connection parses and plans one once and then only
 * binds and executes it (the per-call reads run thousands of times a second). The store's SQL is
 * a fixed set; past this many distinct texts (filters built per request) they go unnamed, so a
 * connection's prepared statements stay bounded.
 */
const MAX_NAMED = 256;

export class PgDatabase implements SqlDatabase {
  readonly pool: pg.Pool;
  readonly #numbered = new Map<string, { text: string; name: string | undefined }>();

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  prepare(sql: string): SqlStatement {
    let known = this.#numbered.get(sql);
    if (known === undefined) {
      known = { text: numberPlaceholders(sql), name: this.#numbered.size < MAX_NAMED ? `tollgate_${this.#numbered.size}` : undefined };
      this.#numbered.set(sql, known);
    }
    return new PgStatement(this, sql, known.text, [], known.name);
  }

  /**
   * A batch of reads only is a snapshot: REPEATABLE READ, so the rows and the audit head it
   * returns belong to one moment, as D1's batch does. A batch that writes runs at READ COMMITTED:
   * its guards then see what concurrent writers committed (an UPDATE waits for a row another
   * transaction holds, then re-checks its WHERE), so a stale plan fails its guard and is retried.
   *
   * A whole batch is one round trip: its statements go as one simple-protocol query string
   * between BEGIN and COMMIT, values inlined as escaped literals (the protocol that takes
   * parameters takes one statement per message), and each `changes()` guard folded with the
   * statement it guards into one (`WITH changed AS (… RETURNING 1) INSERT INTO write_guard …`), so
   * a short count fails inside the transaction, before COMMIT. Row results come back for reads;
   * a write batch's results carry no rows.
   */
  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    const stmts = statements.map(asPg);
    const readOnly = stmts.every((s) => /^\s*SELECT\b/i.test(s.source));
    if (readOnly && stmts.length === 1) {
      // One statement is its own snapshot: no transaction needed around it.
      const r = await this.query(stmts[0]!.text, stmts[0]!.params, stmts[0]!.name);
      return [{ results: r.rows, meta: { changes: r.rowCount ?? 0 } }];
    }
    const client = await this.pool.connect();
    let broken = false;
    try {
      const literal = (v: unknown) => toLiteral(client, v);
      const texts: string[] = [];
      for (let i = 0; i < stmts.length; i++) {
        const s = stmts[i]!;
        if (s.source === EXPECT_CHANGES_SQL) throw new TypeError('a changes() guard must follow the statement it guards');
        const sql = inlineParams(s.source, s.params, literal);
        const guard = stmts[i + 1]?.source === EXPECT_CHANGES_SQL ? stmts[++i]! : null;
        texts.push(guard === null ? sql : `WITH changed AS (${sql} RETURNING 1) INSERT INTO write_guard (stale) SELECT 1 WHERE (SELECT count(*) FROM changed) <> ${literal(guard.params[0])}`);
      }
      const begin = readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN';
      const results = (await client.query<Record<string, unknown>>(`${begin};\n${texts.join(';\n')};\nCOMMIT`)) as unknown as pg.QueryResult<Record<string, unknown>>[];
      const out: SqlResult[] = results.slice(1, -1).map((r) => ({ results: readOnly ? r.rows : [], meta: { changes: r.rowCount ?? 0 } }));
      return readOnly ? out : stmts.map(() => ({ results: [], meta: { changes: 0 } }));
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw asConflict(e);
    } finally {
      client.release(broken);
    }
  }

  async query(text: string, params: unknown[], name?: string): Promise<pg.QueryResult<Record<string, unknown>>> {
    try {
      return await this.pool.query<Record<string, unknown>>(name === undefined ? { text, values: params } : { name, text, values: params });
    } catch (e) {
      throw asConflict(e);
    }
  }
}

class PgStatement implements SqlStatement {
  readonly db: PgDatabase;
  readonly source: string;
  readonly text: string;
  readonly params: unknown[];
  readonly name: string | undefined;

  constructor(db: PgDatabase, source: string, text: string, params: unknown[], name: string | undefined) {
    this.db = db;
    this.source = source;
    this.text = text;
    this.params = params;
    this.name = name;
  }

  bind(...values: unknown[]): SqlStatement {
    return new PgStatement(this.db, this.source, this.text, values, this.name);
  }

  async first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    const row = (await this.db.query(this.text, this.params, this.name)).rows[0] as Record<string, unknown> | undefined;
    if (row === undefined) return null;
    return (column === undefined ? row : (row[column] ?? null)) as T | null;
  }

  async all<T = Record<string, unknown>>(): Promise<SqlResult<T>> {
    const r = await this.db.query(this.text, this.params, this.name);
    return { results: r.rows as T[], meta: { changes: r.rowCount ?? 0 } };
  }

  async run(): Promise<SqlResult> {
    return this.all();
  }
}

function asPg(s: SqlStatement): PgStatement {
  if (!(s instanceof PgStatement)) throw new TypeError('a batch takes statements prepared on the same PgDatabase');
  return s;
}

/** `?` → `$1`, `$2`, … outside quoted text. The SQL store's statements are its own, never input. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return replacePlaceholders(sql, () => `$${++n}`);
}

function replacePlaceholders(sql: string, next: () => string): string {
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += next();
    } else {
      out += ch;
    }
  }
  return out;
}

/** `?` → the i-th value as an SQL literal, outside quoted text (the statements are the store's own; values are escaped). */
export function inlineParams(sql: string, params: readonly unknown[], literal: (v: unknown) => string): string {
  let n = 0;
  return replacePlaceholders(sql, () => {
    if (n >= params.length) throw new RangeError('fewer values than placeholders');
    return literal(params[n++]);
  });
}

function toLiteral(client: pg.PoolClient, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError('a non-finite number cannot be stored');
    return String(v);
  }
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'string') return client.escapeLiteral(v);
  throw new TypeError(`cannot bind a ${typeof v}`);
}

/** PostgreSQL error codes of a transaction that lost to a concurrent one. */
const LOST_RACE = new Set(['40001', '40P01']);
/** Unique keys two writers of the audit chain collide on: the chain moved under the plan. */
const CHAIN_KEYS = new Set(['audit_events_pkey', 'audit_head_pkey']);

function asConflict(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const { code, constraint } = e as Error & { code?: string; constraint?: string };
  if (code !== undefined && LOST_RACE.has(code)) return new WriteConflict('lost a race with a concurrent transaction', { cause: e });
  if (code === '23514' && constraint === 'stale_read') return new WriteConflict('a guard found the rows read have changed', { cause: e });
  if (code === '23505' && constraint !== undefined && CHAIN_KEYS.has(constraint)) return new WriteConflict('the audit chain moved', { cause: e });
  return e;
}
