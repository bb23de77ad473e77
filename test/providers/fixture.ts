import type { ResourceConfig } from '../../src/config/schema.ts';
import type { ActionClass } from '../../src/model/action-class.ts';
import type { Grant } from '../../src/model/grant.ts';
import type { IssuedCredential, Provider } from '../../providers/provider.ts';
import { harness, type Harness } from '../support/harness.ts';
import { makeGrant } from '../store/fixtures.ts';
import type { TestIssuer } from '../support/keys.ts';

// The provider fixture shape and the exchange harness, apart from the vitest suite so the
// benchmark can use them too.
export type Fault = 'none' | 'timeout' | '5xx' | '4xx';

/** One provider wired to its upstream (real, or a local server speaking the upstream's wire protocol). */
export interface ContractFixture {
  provider: Provider;
  /** a catalog resource of this provider, with the actions to ask for */
  resource: ResourceConfig;
  actions: ActionClass[];
  /** the token type to request at /oauth/token to receive this provider's credential itself */
  requestedTokenType: string;
  /**
   * When set, exchanges act for a human of this issuer (subject = human token, actor = agent), and
   * the provider gets the human's token as `subjectToken` (e.g. OAuth token exchange upstream).
   * Its tokens must carry audience 'tollgate'.
   */
  humanIssuer?: TestIssuer;
  /** makes the upstream misbehave from now on ('none' heals it) */
  fault(kind: Fault): void;
  /** Tollgate's own upstream credentials and anything else that must never appear in errors or logs */
  secrets(): string[];
  /** log lines the provider wrote, if it logs */
  logs(): string[];
  /** whether the upstream still honours the credential; omit for credentials that cannot be checked */
  isLive?(issued: IssuedCredential): Promise<boolean>;
  teardown(): Promise<void>;
}

export interface ContractSubject {
  name: string;
  setup(): Promise<ContractFixture>;
  /** false when credentials of this provider cannot be revoked and only expire (e.g. AWS STS) */
  revocable: boolean;
  /** the longest a timed-out upstream call may take before the provider gives up, in ms */
  timeoutMs?: number;
  /** false for providers with nothing upstream (grant-token, sealed-secret): no fault can be injected */
  hasUpstream: boolean;
}

export function grantFor(resource: ResourceConfig, actions: ActionClass[], ttlMs = 15 * 60_000, now = Date.now()): Grant {
  return makeGrant({
    agent: 'spiffe://example.org/agent/contract',
    owner: 'team-contract',
    principal: 'https://idp.example#alice',
    act: { sub: 'spiffe://example.org/agent/contract' },
    task_id: 'task-contract',
    resource: resource.id,
    provider: resource.provider,
    actions,
    scope: actions.map((a) => `${resource.id}:${a}`).join(' '),
    intent: 'contract test',
    policy_ids: ['contract'],
    created_at: now,
    expires_at: now + ttlMs,
  });
}

/** The form of an exchange asking for the fixture's credential itself, for the agent or for alice. */
export async function exchangeParams(h: Harness, f: ContractFixture): Promise<Record<string, string>> {
  const params: Record<string, string> = {
    subject_token: await h.agentToken(),
    scope: f.actions.map((a) => `${f.resource.id}:${a}`).join(' '),
    requested_token_type: f.requestedTokenType,
  };
  if (f.humanIssuer) {
    params.actor_token = params.subject_token!;
    params.actor_token_type = 'urn:ietf:params:oauth:token-type:jwt';
    params.subject_token = await f.humanIssuer.mint('alice');
  }
  return params;
}

/**
 * A full Tollgate whose catalog has the fixture's resource, served by the fixture's provider.
 * `quotas: false` for a bench, whose one agent exchanges thousands of times on a clock that stands still.
 */
export async function exchangeHarness(f: ContractFixture, opts: { quotas?: boolean } = {}): Promise<Harness> {
  const h = await harness({
    ...(f.humanIssuer ? { humanIssuer: f.humanIssuer } : {}),
    configPatch: (c) => {
      if (opts.quotas === false) c.server.quotas = { enabled: false };
      c.providers[f.resource.provider] = { type: 'grant-token' }; // replaced below by the real instance
      c.resources.push(f.resource);
      c.policy.text = `@id("contract-permit") permit (principal, action, resource == Tollgate::Resource::"${f.resource.id}");`;
    },
  });
  h.clock.now = Date.now();
  (h.deps.providers as Map<string, Provider>).set(f.resource.provider, f.provider);
  return h;
}

