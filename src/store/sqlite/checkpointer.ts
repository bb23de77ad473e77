import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL size from which checkpoints move to their own thread (small stores, and tests, never get one). */
const START_AT_BYTES = 1 << 20;
/** WAL size past which the thread truncates it (journal_size_limit applies only once the WAL restarts). */
export const WAL_CAP_BYTES = 16 << 20;
const WATCH_MS = 1000;
const CHECKPOINT_MS = 100;
/** SQLite's default; the main connection goes back to it whenever the thread is not running. */
const AUTOCHECKPOINT_PAGES = 1000;

// Plain JavaScript, run as an eval'd worker: opens its own connection and copies the WAL back into
// the database file. PASSIVE never takes the write lock nor waits for readers, so neither this
// connection nor the main one ever blocks the other. Past the cap it tells the main connection,
// which truncates the WAL (see startCheckpointer).
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Sqlite = require(workerData.module);
const db = new Sqlite(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
setInterval(() => {
  checkpoint.get();
  if (walSize() >= workerData.capBytes) parentPort.postMessage('over-cap');
}, workerData.everyMs);
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Keeps WAL checkpoints off the event loop. better-sqlite3 is synchronous, and SQLite's automatic
 * checkpoint runs inside whichever commit crosses the threshold: it copies the WAL into the
 * database and fsyncs both, tens of milliseconds on a busy disk, during which no request is
 * answered — the longest stalls of a mass revocation, and the p99 of gateway calls meanwhile.
 * Once the WAL passes START_AT_BYTES, a worker thread with its own connection checkpoints every
 * CHECKPOINT_MS and the main connection stops checkpointing on its own; if the thread cannot
 * start or dies, the main connection checkpoints as before. Past WAL_CAP_BYTES the WAL is also
 * truncated (truncateWal), so disk stays bounded under any write rate. Durability is
 * unchanged: a commit is durable in the WAL either way (synchronous=NORMAL), checkpoints only move pages.
 */
export function startCheckpointer(db: Database, path: string): Checkpointer {
  let worker: Worker | null = null;
  let stopped = false;
  const watch = setInterval(() => {
    if (worker || stopped) return;
    let size = 0;
    try {
      size = statSync(path + '-wal').size;
    } catch {
      return; // no WAL (yet, or an in-memory database): nothing to move
    }
    if (size < START_AT_BYTES) return;
    clearInterval(watch);
    try {
      const w = new Worker(WORKER, { eval: true, workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path, everyMs: CHECKPOINT_MS, capBytes: WAL_CAP_BYTES } });
      w.unref();
      w.on('error', () => undefined);
      w.on('message', () => truncateWal(db));
      w.on('exit', () => {
        worker = null;
        if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      });
      worker = w;
      db.pragma('wal_autocheckpoint = 0');
    } catch {
      // The main connection keeps checkpointing.
    }
  }, WATCH_MS);
  watch.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(watch);
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}

/**
 * A writer that never pauses keeps the WAL from ever restarting (PASSIVE never catches up with its
 * end, so journal_size_limit never applies). This connection is the only writer: between two of
 * its transactions (an event-loop turn) and right after the thread's PASSIVE pass copied nearly
 * everything, one TRUNCATE checkpoint here copies the rest and empties the file, in about the
 * time of a commit. Without waiting: if another connection still reads from the WAL (the CLI),
 * it is skipped and the thread's next report tries again.
 */
function truncateWal(db: Database): void {
  if (!db.open || db.inTransaction) return;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // busy: next time
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
