import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';

/** A revocable upstream: each credential has a lease; `revoke` fails while `state.down` is set. */
export function leasingProvider(state: { down: boolean; revoked?: string[] }, name = 'leasing'): Provider {
  let n = 0;
  return {
    name,
    type: 'fake-leasing',
    upstreamTokenTypes: [TOKEN_TYPE.secret],
    issue: async (req) => ({ token: `upstream-${++n}-${req.grant.id}`, issuedTokenType: TOKEN_TYPE.secret, expiresAt: req.expiresAt, lease: `lease-${n}` }),
    revoke: async (lease) => {
      if (state.down) throw new Error('upstream unreachable');
      state.revoked?.push(lease!);
    },
  };
}

/** An upstream whose credentials cannot be revoked and only expire (like AWS STS). */
export const expiringProvider: Provider = {
  name: 'expiring',
  type: 'fake-expiring',
  upstreamTokenTypes: [TOKEN_TYPE.secret],
  issue: async (req) => ({ token: `exp-${req.grant.id}`, issuedTokenType: TOKEN_TYPE.secret, expiresAt: req.expiresAt - 1000, lease: null }),
};
