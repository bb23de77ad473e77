import { Worker } from 'node:worker_threads';
import type { ChainPoint, ChainReport } from '../audit/verify-chain.ts';

// The checkout runs the TypeScript sources, the package its compiled JavaScript.
const WORKER = new URL(`./verify-tail-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** verifyLiveChain's `tail` for a SQLite file: the second half of the chain on another thread (and core). */
export function sqliteTail(path: string): (from: ChainPoint, head: ChainPoint) => Promise<ChainReport> {
  return (from, head) =>
    new Promise((resolve, reject) => {
      const w = new Worker(WORKER, { workerData: { path, from, head } });
      w.once('message', (r: ChainReport) => resolve(r));
      w.once('error', reject);
      w.once('exit', (code) => code !== 0 && reject(new Error(`the verification thread stopped (exit ${code})`)));
    });
}
