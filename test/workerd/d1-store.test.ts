// The Store contract suite, run inside workerd against a real (local) D1 database.
import { reset } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { openD1Store } from '../../src/store/d1/d1-store.ts';
import { describeStoreContract } from '../store/store-contract.ts';

describeStoreContract('d1', async () => {
  await reset();
  return { store: await openD1Store(env.DB), cleanup: () => reset() };
});
