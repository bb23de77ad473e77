// Worker for the cross-connection race test: its own connection, started together with the
// others through a shared barrier, trying to win every grant's issuing → active transition.
import { parentPort, workerData } from 'node:worker_threads';
import { draft } from '../../src/audit/event.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const { path, ids, start, name, barrier, racers } = workerData as { path: string; ids: string[]; start: number; name: string; barrier: SharedArrayBuffer; racers: number };
const store = openSqliteStore(path);
const arrived = new Int32Array(barrier);
Atomics.add(arrived, 0, 1);
Atomics.notify(arrived, 0);
for (let n = Atomics.load(arrived, 0); n < racers; n = Atomics.load(arrived, 0)) Atomics.wait(arrived, 0, n, 50);

// Each racer starts at its own offset, so every grant is fought over from a different side.
const wins: string[] = [];
for (const id of [...ids.slice(start), ...ids.slice(0, start)]) {
  const won = await store.transition(id, ['issuing'], 'active', { lease: name }, draft('grant.active', Date.now(), { grant_id: id, reason: name }));
  if (won) wins.push(id);
}
await store.close();
parentPort?.postMessage(wins);
