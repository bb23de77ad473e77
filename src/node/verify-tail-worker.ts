// A worker thread's half of `tollgate audit verify --db FILE` (see verify-tail.ts): its own
// read-only connection, the events after `from` up to `head`.
import { parentPort, workerData } from 'node:worker_threads';
import { readAllEvents } from '../audit/read-all.ts';
import { verifyChain, type ChainPoint } from '../audit/verify-chain.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { nodeSha256 } from './node-sha256.ts';

const { path, from, head } = workerData as { path: string; from: ChainPoint; head: ChainPoint };
const store = openSqliteStore(path, { readonly: true });
try {
  parentPort!.postMessage(await verifyChain(readAllEvents(store, 5000, from.seq), head, { digest: nodeSha256, from: { ...from, anchor: from } }));
} finally {
  await store.close();
}
