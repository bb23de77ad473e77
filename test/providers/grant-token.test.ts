import { decodeJwt } from 'jose';
import { harness } from '../support/harness.ts';
import { providerContract } from './contract.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';

providerContract({
  name: 'grant-token',
  revocable: false,
  hasUpstream: false,
  async setup() {
    const h = await harness();
    const provider = h.deps.providers.get('tollgate')!;
    return {
      provider,
      resource: { id: 'contract:grant-token', provider: 'tollgate-contract', classification: 'internal', actions: { read: {} } },
      actions: ['read'],
      requestedTokenType: TOKEN_TYPE.jwt,
      fault: () => {},
      secrets: () => [h.deps.config.signing.keys[0]!.private_jwk!, JSON.parse(h.deps.config.signing.keys[0]!.private_jwk!).d],
      logs: () => [],
      // A grant token is checked by its claims; liveness is the grant's status, not the token's.
      isLive: async (c) => decodeJwt(c.token).exp! * 1000 > Date.now(),
      teardown: () => h.deps.store.close(),
    };
  },
});
