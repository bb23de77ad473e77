/** A PostgreSQL connection URL (postgres:// or postgresql://), as `store.postgres.url`, `--store` and `--db` take it. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//;

export const isPostgresUrl = (s: string): boolean => POSTGRES_URL.test(s);
