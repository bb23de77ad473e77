import { describe, expect, it, beforeAll } from 'vitest';
import { createTrustRegistry } from '../../src/identity/trust-registry.ts';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../src/identity/verify-token.ts';
import { claimsAt, codeOf, frozenClock, issuer, jwksOf, makeKey, signToken, T0 } from './helpers.ts';
import { ADMIN_ISS, IDP_ISS, makeFixture, SKEW, WL_ISS, type Fixture } from './fixtures.ts';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});

describe('verified tokens', () => {
  it('ES256 workload token with a SPIFFE subject', async () => {
    const sub = 'spiffe://prod.test/ns/agents/sa/planner';
    const v = await f.registry.verify(await signToken(f.wl, claimsAt(T0, WL_ISS, sub)), ['workload']);
    expect(v).toMatchObject({ issuer: WL_ISS, issuerName: 'spire', kind: 'workload', subject: sub, agentId: sub, expiresAt: (T0 + 300) * 1000 });
    expect(v.spiffeId?.trustDomain).toBe('prod.test');
    expect(v.spiffeId?.path).toBe('/ns/agents/sa/planner');
    expect(v.claims.sub).toBe(sub);
  });

  it('EdDSA is accepted where the issuer lists it', async () => {
    const ed = await makeKey('EdDSA', 'wl-ed');
    const reg = createTrustRegistry(
      [issuer({ name: 'spire', issuer: WL_ISS, jwks: jwksOf(f.wl, ed), algorithms: ['ES256', 'EdDSA'], spiffe_trust_domains: ['prod.test'] })],
      { now: f.clock.now, clockSkewSeconds: SKEW, maxTokenBytes: 4096 },
    );
    const v = await reg.verify(await signToken(ed, claimsAt(T0, WL_ISS, 'spiffe://prod.test/x')), ['workload']);
    expect(v.agentId).toBe('spiffe://prod.test/x');
  });

  it('RS256 human token: agentId is iss#sub and no SPIFFE ID', async () => {
    const v = await f.registry.verify(await signToken(f.idp, claimsAt(T0, IDP_ISS, 'user-42', { aud: ['other', 'tollgate'] })), ['human']);
    expect(v).toMatchObject({ kind: 'human', subject: 'user-42', agentId: `${IDP_ISS}#user-42`, spiffeId: null });
  });

  it('a SPIFFE-looking sub from an issuer without trust domains is not a SPIFFE identity', async () => {
    const reg = createTrustRegistry([issuer({ name: 'oidc', issuer: IDP_ISS, jwks: jwksOf(f.idp), algorithms: ['RS256'] })], {
      now: f.clock.now,
      clockSkewSeconds: SKEW,
      maxTokenBytes: 4096,
    });
    const v = await reg.verify(await signToken(f.idp, claimsAt(T0, IDP_ISS, 'spiffe://prod.test/payments')), ['workload']);
    expect(v.spiffeId).toBeNull();
    expect(v.agentId).toBe(`${IDP_ISS}#spiffe://prod.test/payments`);
  });

  it('EdDSA admin token with the pinned typ, in either spelling', async () => {
    for (const typ of ['at+jwt', 'application/at+JWT']) {
      const v = await f.registry.verify(await signToken(f.admin, claimsAt(T0, ADMIN_ISS, 'alice'), { typ }), ['admin', 'human']);
      expect(v).toMatchObject({ kind: 'admin', issuerName: 'admins', agentId: `${ADMIN_ISS}#alice` });
    }
  });

  it('one iss configured twice picks the entry of the accepted kind', async () => {
    const reg = createTrustRegistry(
      [
        issuer({ name: 'idp-users', issuer: IDP_ISS, kind: 'human', audiences: ['tollgate'], jwks: jwksOf(f.idp) }),
        issuer({ name: 'idp-admins', issuer: IDP_ISS, kind: 'admin', audiences: ['tollgate-admin'], jwks: jwksOf(f.idp) }),
      ],
      { now: f.clock.now, clockSkewSeconds: SKEW, maxTokenBytes: 4096 },
    );
    const userTok = await signToken(f.idp, claimsAt(T0, IDP_ISS, 'u'));
    const adminTok = await signToken(f.idp, claimsAt(T0, IDP_ISS, 'a', { aud: 'tollgate-admin' }));
    expect((await reg.verify(adminTok, ['human', 'admin'])).issuerName).toBe('idp-admins');
    expect((await reg.verify(userTok, ['human', 'admin'])).issuerName).toBe('idp-users');
    expect(await codeOf(() => reg.verify(userTok, ['admin']))).toBe('wrong_audience');
  });

  it('two keys without kid (rotation overlap): either one verifies', async () => {
    const [a, b] = await Promise.all([makeKey('ES256', 'a'), makeKey('ES256', 'b')]);
    const noKid = (k: typeof a) => ({ ...k, jwk: { ...k.jwk, kid: undefined } });
    const reg = createTrustRegistry([issuer({ name: 'x', issuer: WL_ISS, jwks: jwksOf(noKid(a), noKid(b)) })], {
      now: f.clock.now,
      clockSkewSeconds: SKEW,
      maxTokenBytes: 4096,
    });
    const sign = (k: typeof a) => signToken(k, claimsAt(T0, WL_ISS, 's'), { kid: undefined });
    expect((await reg.verify(await sign(a), ['workload'])).subject).toBe('s');
    expect((await reg.verify(await sign(b), ['workload'])).subject).toBe('s');
    expect(await codeOf(async () => reg.verify(await sign(f.rogue), ['workload']))).toBe('bad_signature');
  });

  it('issuers() returns the configuration', () => {
    expect(f.registry.issuers().map((i) => i.name)).toEqual(['spire', 'idp', 'admins']);
  });
});

describe('time boundaries on a frozen clock (skew 60 s)', () => {
  const sub = 'spiffe://prod.test/a';
  const verifyAt = async (claims: Record<string, unknown>) =>
    codeOf(async () => f.registry.verify(await signToken(f.wl, claimsAt(T0, WL_ISS, sub, claims)), ['workload']));

  // jose: expired when exp <= now - skew; not yet valid when nbf > now + skew. Ours: iat likewise.
  it.each([
    ['exp = now - skew - 1', { iat: T0 - 600, exp: T0 - SKEW - 1 }, 'expired'],
    ['exp = now - skew', { iat: T0 - 600, exp: T0 - SKEW }, 'expired'],
    ['exp = now - skew + 1', { iat: T0 - 600, exp: T0 - SKEW + 1 }, 'no error'],
    ['exp = now', { iat: T0 - 600, exp: T0 }, 'no error'],
    ['nbf = now + skew - 1', { nbf: T0 + SKEW - 1 }, 'no error'],
    ['nbf = now + skew', { nbf: T0 + SKEW }, 'no error'],
    ['nbf = now + skew + 1', { nbf: T0 + SKEW + 1 }, 'not_yet_valid'],
    ['iat = now + skew', { iat: T0 + SKEW }, 'no error'],
    ['iat = now + skew + 1', { iat: T0 + SKEW + 1 }, 'not_yet_valid'],
    ['lifetime = max', { iat: T0, exp: T0 + MAX_TOKEN_LIFETIME_SECONDS }, 'no error'],
    ['lifetime = max + 1', { iat: T0, exp: T0 + MAX_TOKEN_LIFETIME_SECONDS + 1 }, 'lifetime_too_long'],
  ] as const)('%s → %s', async (_name, claims, code) => {
    expect(await verifyAt(claims)).toBe(code);
  });

  it('exp boundary holds for every sub-second offset of the clock', async () => {
    const clock = frozenClock();
    const reg = createTrustRegistry([issuer({ name: 's', issuer: WL_ISS, jwks: jwksOf(f.wl) })], {
      now: clock.now,
      clockSkewSeconds: SKEW,
      maxTokenBytes: 4096,
    });
    const tok = await signToken(f.wl, claimsAt(T0, WL_ISS, 's', { iat: T0 - 600, exp: T0 }));
    for (let ms = 0; ms < 1000; ms += 250) {
      const at = frozenClock(T0 + SKEW - 1);
      at.advance(ms / 1000);
      const r = createTrustRegistry(reg.issuers(), { now: at.now, clockSkewSeconds: SKEW, maxTokenBytes: 4096 });
      expect(await codeOf(() => r.verify(tok, ['workload']))).toBe('no error');
      const late = frozenClock(T0 + SKEW);
      late.advance(ms / 1000);
      const r2 = createTrustRegistry(reg.issuers(), { now: late.now, clockSkewSeconds: SKEW, maxTokenBytes: 4096 });
      expect(await codeOf(() => r2.verify(tok, ['workload']))).toBe('expired');
    }
  });

  it('a token verified now fails once the clock passes exp + skew', async () => {
    const clock = frozenClock();
    const reg = createTrustRegistry([issuer({ name: 's', issuer: WL_ISS, jwks: jwksOf(f.wl) })], {
      now: clock.now,
      clockSkewSeconds: 0,
      maxTokenBytes: 4096,
    });
    const tok = await signToken(f.wl, claimsAt(T0, WL_ISS, 's'));
    expect(await codeOf(() => reg.verify(tok, ['workload']))).toBe('no error');
    clock.advance(299);
    expect(await codeOf(() => reg.verify(tok, ['workload']))).toBe('no error');
    clock.advance(1);
    expect(await codeOf(() => reg.verify(tok, ['workload']))).toBe('expired');
  });
});

describe('signals issuers (RFC 8417 SETs)', () => {
  const SET_ISS = 'https://tx.test';
  const setClaims = (extra = {}) => ({ iss: SET_ISS, aud: 'tollgate', iat: T0 - 10, jti: 'j1', events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {} }, ...extra });
  const make = async () => {
    const k = await makeKey('ES256', 'tx');
    const reg = createTrustRegistry([issuer({ name: 'tx', issuer: SET_ISS, kind: 'signals', jwks: jwksOf(k), typ: 'secevent+jwt' })], {
      now: f.clock.now,
      clockSkewSeconds: SKEW,
      maxTokenBytes: 4096,
    });
    return { k, reg };
  };

  it('accepts a SET without exp or sub', async () => {
    const { k, reg } = await make();
    const v = await reg.verify(await signToken(k, setClaims(), { typ: 'secevent+jwt' }), ['signals']);
    expect(v).toMatchObject({ kind: 'signals', subject: '', expiresAt: (T0 - 10 + MAX_TOKEN_LIFETIME_SECONDS) * 1000 });
  });

  it.each([
    ['missing jti', { jti: undefined }, 'missing_claim'],
    ['missing iat', { iat: undefined }, 'missing_claim'],
    ['older than the maximum lifetime', { iat: T0 - MAX_TOKEN_LIFETIME_SECONDS - SKEW - 1 }, 'expired'],
  ] as const)('refuses a SET with %s', async (_n, extra, code) => {
    const { k, reg } = await make();
    expect(await codeOf(async () => reg.verify(await signToken(k, setClaims(extra), { typ: 'secevent+jwt' }), ['signals']))).toBe(code);
  });
});
