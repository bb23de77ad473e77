import { harness, SEAL_KEY } from '../support/harness.ts';
import { providerContract } from './contract.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';

providerContract({
  name: 'sealed-secret',
  revocable: false,
  hasUpstream: false,
  async setup() {
    const h = await harness();
    return {
      provider: h.deps.providers.get('secrets')!,
      resource: { id: 'contract:sealed', provider: 'secrets-contract', classification: 'internal', actions: { read: { secret: 'db-password' } } },
      actions: ['read'],
      requestedTokenType: TOKEN_TYPE.secret,
      fault: () => {},
      secrets: () => [SEAL_KEY],
      logs: () => [],
      teardown: () => h.deps.store.close(),
    };
  },
});
