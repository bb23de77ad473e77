import type { Database, Statement } from 'better-sqlite3';
import type { Grant } from '../../model/grant.ts';
import type { Freeze } from '../../grants/freeze.ts';
import type { RecordedRisk, RevocationRecord } from '../store.ts';

/** Per map; a full map starts again empty (the gateway's working set is far smaller). */
const MAX_ENTRIES = 4096;

/**
 * The reads every gateway call makes (grant, unfinished revocations, blocks, risk levels),
 * remembered between writes. Correctness rests on two invalidations, so an answer from here is
 * never older than one the database would give:
 * - this connection's own state-changing writes clear it (SqliteStore calls `clear` after every
 *   write operation but the audit-only appends, which change none of these tables);
 * - another connection's commit (another process, the CLI, a second store on the file) changes
 *   `PRAGMA data_version`, which is read before every answer: a revocation committed anywhere
 *   is seen by the very next check. The pragma costs about a third of the reads it replaces.
 * Values are frozen: every caller shares them.
 */
export class ReadCache {
  readonly #dataVersion: Statement<[], number>;
  #version = -1;
  #pinned = false;
  #grants = new Map<string, Grant | null>();
  #unfinished: readonly RevocationRecord[] | null = null;
  #freezes: readonly Freeze[] | null = null;
  #blocked = new Map<string, boolean>();
  #risk = new Map<string, RecordedRisk>();

  constructor(db: Database) {
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  clear(): void {
    this.#grants = new Map();
    this.#unfinished = null;
    this.#freezes = null;
    this.#blocked = new Map();
    this.#risk = new Map();
  }

  grant(id: string, load: (id: string) => Grant | null): Grant | null {
    this.#fresh();
    const hit = this.#grants.get(id);
    if (hit !== undefined) return hit;
    const g = load(id);
    remember(this.#grants, id, g && freezeGrant(g));
    return g;
  }

  unfinishedRevocations(load: () => RevocationRecord[]): RevocationRecord[] {
    this.#fresh();
    if (this.#unfinished === null) this.#unfinished = Object.freeze(load().map((r) => deepFreeze(r)));
    // A fresh array each time: callers may sort or filter what they get.
    return [...this.#unfinished];
  }

  activeFreezes(load: () => Freeze[]): Freeze[] {
    this.#fresh();
    if (this.#freezes === null) this.#freezes = Object.freeze(load().map((f) => deepFreeze(f)));
    return [...this.#freezes];
  }

  isBlocked(agent: string, principal: string | null, load: () => boolean): boolean {
    this.#fresh();
    const key = JSON.stringify([agent, principal]);
    const hit = this.#blocked.get(key);
    if (hit !== undefined) return hit;
    const b = load();
    remember(this.#blocked, key, b);
    return b;
  }

  riskLevels(agent: string, principal: string | null, load: () => RecordedRisk): RecordedRisk {
    this.#fresh();
    const key = JSON.stringify([agent, principal]);
    const hit = this.#risk.get(key);
    if (hit !== undefined) return { ...hit };
    const r = load();
    remember(this.#risk, key, Object.freeze({ ...r }));
    return r;
  }

  /**
   * Runs several reads against one freshness check: synchronous, so no write of this connection
   * comes between them, and another connection's commit is seen by the next check.
   */
  together<T>(reads: () => T): T {
    this.#fresh();
    this.#pinned = true;
    try {
      return reads();
    } finally {
      this.#pinned = false;
    }
  }

  #fresh(): void {
    if (this.#pinned) return;
    const v = this.#dataVersion.get()!;
    if (v !== this.#version) {
      this.clear();
      this.#version = v;
    }
  }
}

function remember<V>(m: Map<string, V>, key: string, value: V): void {
  if (m.size >= MAX_ENTRIES) m.clear();
  m.set(key, value);
}

function freezeGrant(g: Grant): Grant {
  Object.freeze(g.actions);
  Object.freeze(g.policy_ids);
  if (g.act) deepFreeze(g.act);
  return Object.freeze(g);
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

/**
 * The write operations, each clearing `cache` once it has run (committed or not), except
 * `auditOnly`: appends to the audit log change nothing the cache holds.
 */
export function clearingAfter<W extends Record<string, (...args: never[]) => unknown>>(ops: W, cache: ReadCache, auditOnly: readonly (keyof W)[]): W {
  const out = { ...ops };
  for (const name of Object.keys(ops) as (keyof W)[]) {
    if (auditOnly.includes(name)) continue;
    const op = ops[name]!;
    out[name] = ((...args: never[]) => {
      try {
        return op(...args);
      } finally {
        cache.clear();
      }
    }) as W[keyof W];
  }
  return out;
}
