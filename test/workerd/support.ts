import { reset } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { readAllEvents } from '../../src/audit/read-all.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import type { ChainReport } from '../../src/audit/verify-chain.ts';
import { D1Store, openD1Store } from '../../src/store/d1/d1-store.ts';
import type { D1StoreOptions } from '../../src/store/d1/d1-store.ts';
import type { Store } from '../../src/store/store.ts';

export const db = env.DB;

/** An empty, migrated D1 database and a store on it. */
export async function freshStore(opts: D1StoreOptions = {}): Promise<D1Store> {
  await reset();
  return openD1Store(db, opts);
}

/** Another store on the same database, as a second Worker isolate would have. */
export function secondStore(opts: D1StoreOptions = {}): D1Store {
  return new D1Store(db, opts);
}

export async function verifyStore(store: Store): Promise<ChainReport> {
  return verifyChain(readAllEvents(store, 100), await store.auditHead());
}

export { reset };
