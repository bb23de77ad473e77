import { hash } from 'node:crypto';
import pg from 'pg';
import { POSTGRES } from '../dialect.ts';
import { SqlStore } from '../sql/sql-store.ts';
import { migratePostgres, requireCurrentSchema } from './migrate.ts';
import { PgDatabase } from './pg-database.ts';

export interface PostgresStoreOptions {
  /** Connections this node holds at most (default 10). */
  maxConnections?: number;
  /** How long a query may run before the server cancels it, in ms (default 10 s): fail closed, never hang. */
  statementTimeoutMs?: number;
  /** The schema Tollgate's tables live in (created if missing; default: the connection's search_path, usually `public`). */
  schema?: string;
  /**
   * For reading only (`tollgate audit verify`): every transaction is read-only on the server's
   * side, and nothing is migrated; a schema other than this build's is refused instead.
   */
  readOnly?: boolean;
}

/** BIGINT columns (epoch ms, counters) come back as numbers, as on SQLite; they stay far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The SQL store on PostgreSQL: the same operations as on D1, over a connection pool. */
export class PostgresStore extends SqlStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    // Node's SHA-256 is synchronous: no thread-pool hop per audit event on the per-call path.
    super(new PgDatabase(pool), { dialect: POSTGRES, serialWrites: true, digest: (text) => hash('sha256', text, 'hex'), coalesceCallViews: true });
    this.#pool = pool;
  }

  /** A session advisory lock on a connection of its own, held while `fn` runs. */
  override async runAlone<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    const key = `tollgate.run-alone.${name}`;
    const client = await this.#pool.connect();
    let broken = false;
    // The connection may die while `fn` runs (it is idle meanwhile): that must not crash the process.
    const lost = () => (broken = true);
    client.on('error', lost);
    try {
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [key]);
      if (!rows[0]!.got) return undefined;
      try {
        return await fn();
      } finally {
        // A connection that cannot unlock is dropped, which releases the lock with the session.
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => (broken = true));
      }
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  override async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** Connect to `url` (a postgres:// connection string), migrate, and open the store. */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) throw new Error('postgres store: schema must be a lower-case SQL identifier');
  const options = [...(opts.schema !== undefined ? [`-c search_path=${opts.schema}`] : []), ...(opts.readOnly ? ['-c default_transaction_read_only=on'] : [])];
  const pool = new pg.Pool({
    ...(options.length > 0 ? { options: options.join(' ') } : {}),
    connectionString: url,
    max: opts.maxConnections ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: 5_000,
    types,
  });
  // An idle client's connection dropping (a failover, a restart) must not crash the process: the next query reconnects.
  pool.on('error', () => {});
  try {
    await (opts.readOnly ? requireCurrentSchema(pool) : migratePostgres(pool, opts.schema));
    return new PostgresStore(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
}
