/**
 * The part of D1's client API the SQL store is written against: prepared statements with bound
 * values, and atomic batches. D1 provides it natively; the PostgreSQL driver provides it over a
 * connection pool (src/store/postgres/pg-database.ts). Results have D1's shape.
 */
export interface SqlResult<T = Record<string, unknown>> {
  results: T[];
  meta: { changes: number };
}

export interface SqlStatement {
  bind(...values: unknown[]): SqlStatement;
  first<T = Record<string, unknown>>(column?: string): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<SqlResult<T>>;
  run(): Promise<SqlResult>;
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  /** Runs every statement in order as one transaction: all commit, or none does and it throws. */
  batch(statements: SqlStatement[]): Promise<SqlResult[]>;
}
