/**
 * What differs in SQL text between the engines the SQL store runs on (SQLite, including D1, and
 * PostgreSQL), and nothing else: everything else — ON CONFLICT, row-value keyset comparisons,
 * partial indexes, IS DISTINCT FROM — is written once in the shared statements. Placeholders are
 * always `?`; the PostgreSQL driver numbers them.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** A subquery for `x IN (…)` over ids passed as one JSON array parameter. */
  readonly idList: string;
  /** A FROM source over rows passed as one JSON array of arrays; its rows are read with `column`. */
  readonly jsonRows: string;
  /** Column `i` of a `jsonRows` row, as an integer or text. */
  column(i: number, type: 'int' | 'text'): string;
  /** The larger of two values (SQLite's two-argument max()). */
  greatest(a: string, b: string): string;
  /** Forces an index (SQLite); the empty string where the planner is left alone. */
  indexedBy(index: string): string;
  /** A join whose left side drives the loop (SQLite's CROSS JOIN … ON); an inner join elsewhere. */
  readonly drivingJoin: string;
  /** The integer key live-grant paging walks: SQLite's rowid, PostgreSQL's identity column `n`. */
  readonly rowKey: string;
  /** Appended to a subquery that picks rows to claim: skip rows another transaction holds (PostgreSQL); SQLite has one writer. */
  readonly skipLocked: string;
  /** An aggregate of the rows' `columns` as one JSON array of arrays (order not kept; none when no row: '[]' or NULL). */
  jsonAgg(columns: readonly string[]): string;
}

export const SQLITE: Dialect = {
  name: 'sqlite',
  idList: 'SELECT value FROM json_each(?)',
  jsonRows: 'json_each(?)',
  column: (i) => `json_extract(value, '$[${i}]')`,
  greatest: (a, b) => `max(${a}, ${b})`,
  indexedBy: (index) => ` INDEXED BY ${index}`,
  drivingJoin: 'CROSS JOIN',
  rowKey: 'rowid',
  skipLocked: '',
  jsonAgg: (columns) => `json_group_array(json_array(${columns.join(', ')}))`,
};

export const POSTGRES: Dialect = {
  name: 'postgres',
  idList: 'SELECT json_array_elements_text(?::json)',
  // jsonb: the rows are parsed once; `->>` on json text re-parses a row for each column it reads
  // (an audit row has 18), which was over a quarter of the server's CPU per gateway call.
  jsonRows: 'jsonb_array_elements(?::jsonb) AS rows (value)',
  column: (i, type) => (type === 'int' ? `(value ->> ${i})::bigint` : `(value ->> ${i})`),
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  indexedBy: () => '',
  drivingJoin: 'JOIN',
  rowKey: 'n',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  jsonAgg: (columns) => `json_agg(json_build_array(${columns.join(', ')}))`,
};
