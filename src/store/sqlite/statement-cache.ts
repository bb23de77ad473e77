import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepared statements for SQL built from a filter's shape. The text depends only on which fields
 * are set (values are always bound), so the cache holds at most one entry per shape.
 */
export class StatementCache {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<unknown[], unknown>>();

  constructor(db: Database) {
    this.#db = db;
  }

  get<Row>(sql: string): Statement<unknown[], Row> {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    // The cache is keyed by SQL text, and the text fixes the row shape the caller names.
    return s as Statement<unknown[], Row>;
  }
}
