import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { harness, JWT_TYPE, type Harness, type HarnessOptions } from '../support/harness.ts';

export const SSF_ISSUER = 'https://ssf.example';
export const SIGNALS_AUDIENCE = 'https://tollgate.test/signals';
export const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
export const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';

/** A Shared Signals transmitter with a real key pair, trusted by the harness as an issuer of kind `signals`. */
export interface Transmitter {
  issuer: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** a signed SET: `events` plus any claims (override iat/jti/aud/iss/typ with `claims`/`header`) */
  set(events: Record<string, unknown>, claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

export async function transmitter(now: () => number, issuer = SSF_ISSUER, kid = 'ssf-1'): Promise<Transmitter> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    issuer,
    kid,
    privateKey,
    publicJwk,
    set: (events, claims = {}, header = {}) =>
      new SignJWT({ iss: issuer, aud: SIGNALS_AUDIENCE, iat: Math.floor(now() / 1000), jti: crypto.randomUUID(), events, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'secevent+jwt', ...header })
        .sign(privateKey),
  };
}

export interface SignalsHarness extends Harness {
  ssf: Transmitter;
  /** POST /v1/signals with the SET as body */
  push(set: string, contentType?: string): Promise<Response>;
  /** a grant through a real exchange; with `human` the human's token is the subject and the agent the actor */
  grant(opts?: { agent?: string; human?: string; email?: string; emailVerified?: boolean; scope?: string; task?: string }): Promise<{ access_token: string; grant_id: string }>;
  introspect(token: string): Promise<Record<string, unknown>>;
  auditOf(type: string): Promise<Record<string, any>[]>;
}

export async function signalsHarness(opts: HarnessOptions = {}): Promise<SignalsHarness> {
  // One clock for the transmitter and Tollgate, once the harness exists.
  let clock: { now: number } | null = null;
  const ssf = await transmitter(() => clock?.now ?? Date.now());
  const h = await harness({
    ...opts,
    configPatch: (c) => {
      // The human IdP vouches for its people's verified emails, which email subjects resolve by.
      c.trust.issuers.find((i: { kind: string }) => i.kind === 'human').asserts = ['email'];
      c.trust.issuers.push({ name: 'ssf', issuer: ssf.issuer, kind: 'signals', jwks: { keys: [ssf.publicJwk] }, audiences: [SIGNALS_AUDIENCE], algorithms: ['ES256'] });
      opts.configPatch?.(c);
    },
  });
  clock = h.clock;

  const s: SignalsHarness = {
    ...h,
    ssf,
    push: async (set, contentType = 'application/secevent+jwt') =>
      h.app.request('/v1/signals', { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body: set }),
    async grant(o = {}) {
      const params: Record<string, string> = { scope: o.scope ?? 'demo:reports:read', task_id: o.task ?? 'task-s' };
      if (o.human) {
        const claims: Record<string, unknown> = o.email ? { email: o.email, email_verified: o.emailVerified ?? true } : {};
        params.subject_token = await h.human.mint(o.human, claims);
        params.actor_token = await h.agentToken(o.agent ?? 'demo');
        params.actor_token_type = JWT_TYPE;
      } else {
        params.subject_token = await h.agentToken(o.agent ?? 'demo');
      }
      const res = await h.exchange(params);
      const body = await res.json();
      if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${JSON.stringify(body)}`);
      return body as { access_token: string; grant_id: string };
    },
    async introspect(token) {
      const res = await h.adminRequest('/oauth/introspect', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      return res.json() as Promise<Record<string, unknown>>;
    },
    async auditOf(type) {
      return (await h.deps.store.readAudit(0, 100_000)).filter((e) => e.type === type) as Record<string, any>[];
    },
  };
  return s;
}
