import type { Deps } from './deps.ts';
import { createAgentRegistry } from './grants/agent-registry.ts';
import { GrantTokenProvider } from '../providers/grant-token.ts';
import { Quotas } from './quotas/quotas.ts';
import { withTypedErrors } from './store/typed-errors.ts';
import { rememberDecisions } from './policy/remembered-decisions.ts';

/** What each edge builds its own way (store, keys, policy engine, providers, trust). */
export type EdgeParts = Omit<Deps, 'grantTokens' | 'resources' | 'agents' | 'quotas'>;

/** The audience of grant tokens for resources that name none. */
export function grantTokenAudience(config: Deps['config']): string {
  return config.server.token_audience ?? config.server.issuer;
}

/** The rest follows from config and keys the same way on Node and on Workers. */
export function assembleDeps(p: EdgeParts): Deps {
  return {
    ...p,
    store: withTypedErrors(p.store),
    policy: rememberDecisions(p.policy),
    grantTokens: new GrantTokenProvider({ name: 'grant-token', keyring: p.keyring, issuer: p.config.server.issuer, defaultAudience: grantTokenAudience(p.config) }),
    resources: new Map(p.config.resources.map((r) => [r.id, r])),
    agents: createAgentRegistry(p.config.agents),
    quotas: new Quotas(p.config.server.quotas),
  };
}
