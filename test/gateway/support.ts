import { expect } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { harness, type Harness, type HarnessOptions } from '../support/harness.ts';
import { testIssuer, type TestIssuer } from '../support/keys.ts';

export const GATEWAY_KEY = 'tgw_test-gateway-key-0123456789abcdef';

/** A revocable upstream that counts what it issues and records what it revokes. */
export interface CountingUpstream {
  provider: Provider;
  issued: string[];
  revoked: (string | null)[];
  /** lifetime of what it issues, in ms; by default as long as asked */
  life: number | null;
}

export interface GatewayHarness extends Harness {
  gateway: TestIssuer;
  upstream: CountingUpstream;
  /** POST /v1/credentials with the gateway key (or `auth`, or none when null) */
  call(body: unknown, auth?: string | null, headers?: Record<string, string>): Promise<Response>;
  /** a grant token for the default test agent */
  grantToken(scope: string, task?: string, agent?: string): Promise<string>;
  events(type?: string): Promise<Record<string, any>[]>;
}

export async function gatewayHarness(opts: HarnessOptions = {}): Promise<GatewayHarness> {
  const gateway = await testIssuer('https://gateway.example', 'gw-1', 'tollgate-gateway');
  const keyHash = await sha256Hex(GATEWAY_KEY);
  const h = await harness({
    ...opts,
    configPatch: (c) => {
      c.trust.issuers.push({ name: 'gateways', issuer: gateway.issuer, kind: 'gateway', jwks: { keys: [gateway.publicJwk] }, audiences: ['tollgate-gateway'], algorithms: ['ES256'] });
      c.trust.gateway_key_hashes = [keyHash];
      c.providers.upstream = { type: 'grant-token' }; // replaced below by the counting upstream
      c.resources.push({ id: 'up:files', provider: 'upstream', classification: 'internal', actions: { read: {}, write: {}, delete: {} } });
      opts.configPatch?.(c);
    },
  });
  const upstream = countingUpstream(() => h.clock.now);
  (h.deps.providers as Map<string, Provider>).set('upstream', upstream.provider);
  return {
    ...h,
    gateway,
    upstream,
    call: async (body, auth = GATEWAY_KEY, headers = {}) =>
      h.app.request('/v1/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async grantToken(scope, task = 'task-1', agent = 'demo') {
      const res = await h.exchange({ subject_token: await h.agentToken(agent, { ttl: 3600 }), scope, task_id: task });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body.access_token as string;
    },
    async events(type) {
      const all = (await h.deps.store.readAudit(0, 10_000)) as unknown as Record<string, any>[];
      return type ? all.filter((e) => e.type === type) : all;
    },
  };
}

function countingUpstream(now: () => number): CountingUpstream {
  const u: CountingUpstream = {
    issued: [],
    revoked: [],
    life: null,
    provider: {
      name: 'upstream',
      type: 'fake-counting',
      upstreamTokenTypes: [TOKEN_TYPE.accessToken],
      async issue(req) {
        const n = u.issued.length + 1;
        const token = `upstream-token-${n}-${req.actions.join('+')}`;
        u.issued.push(token);
        const expiresAt = u.life === null ? req.expiresAt : Math.min(req.expiresAt, now() + u.life);
        return { token, issuedTokenType: TOKEN_TYPE.accessToken, expiresAt, lease: `lease-${n}` };
      },
      async revoke(lease) {
        u.revoked.push(lease);
      },
    },
  };
  return u;
}
