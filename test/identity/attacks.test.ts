import { createHmac } from 'node:crypto';
import { exportSPKI } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IssuerKind } from '../../src/identity/verified-token.ts';
import { IdentityError } from '../../src/identity/identity-error.ts';
import { b64url, claimsAt, craft, craftSignedES256, signToken, T0 } from './helpers.ts';
import { ADMIN_ISS, IDP_ISS, makeFixture, MAX_TOKEN_BYTES, WL_ISS, type Fixture } from './fixtures.ts';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});

const SUB = 'spiffe://prod.test/ns/agents/sa/planner';
const wlClaims = (extra = {}) => claimsAt(T0, WL_ISS, SUB, extra);
const wlHeader = () => ({ alg: 'ES256', kid: f.wl.kid, typ: 'JWT' });

function hmacToken(secret: string): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claimsAt(T0, IDP_ISS, 'user-1')))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

interface Row {
  name: string;
  token: () => string | Promise<string>;
  kinds?: IssuerKind[];
  code: IdentityError['code'];
}

// RFC 8725 and friends, one attack per row.
const rows: Row[] = [
  { name: 'alg none', token: () => craft({ alg: 'none', typ: 'JWT' }, wlClaims()), code: 'alg_not_allowed' },
  { name: 'alg None', token: () => craft({ alg: 'None' }, wlClaims()), code: 'alg_not_allowed' },
  { name: 'alg NONE', token: () => craft({ alg: 'NONE' }, wlClaims()), code: 'alg_not_allowed' },
  { name: 'alg none with a signature part', token: () => craft({ alg: 'none' }, wlClaims(), 'c2ln'), code: 'alg_not_allowed' },
  { name: 'HS256 keyed with the issuer public key PEM', token: async () => hmacToken(await exportSPKI(f.idp.publicKey)), kinds: ['human'], code: 'alg_not_allowed' },
  { name: 'HS256 keyed with the issuer public JWK', token: () => hmacToken(JSON.stringify(f.idp.jwk)), kinds: ['human'], code: 'alg_not_allowed' },
  { name: 'allowed alg family of another issuer (RS256 at an ES256 issuer)', token: () => signToken(f.idp, wlClaims()), code: 'alg_not_allowed' },
  { name: 'embedded jwk header', token: () => craftSignedES256(f.rogue, { ...wlHeader(), jwk: f.rogue.jwk }, wlClaims()), code: 'embedded_key' },
  { name: 'jku header', token: () => craftSignedES256(f.rogue, { ...wlHeader(), jku: 'https://evil.test/jwks' }, wlClaims()), code: 'embedded_key' },
  { name: 'x5u header', token: () => craftSignedES256(f.rogue, { ...wlHeader(), x5u: 'https://evil.test/cert' }, wlClaims()), code: 'embedded_key' },
  { name: 'x5c header', token: () => craftSignedES256(f.rogue, { ...wlHeader(), x5c: ['MIIB'] }, wlClaims()), code: 'embedded_key' },
  { name: 'crit header', token: () => craftSignedES256(f.wl, { ...wlHeader(), crit: ['exp'] }, wlClaims()), code: 'crit_unsupported' },
  { name: 'crit b64=false', token: () => craftSignedES256(f.wl, { ...wlHeader(), b64: false, crit: ['b64'] }, wlClaims()), code: 'crit_unsupported' },
  { name: 'nested JWT (cty JWT)', token: () => craftSignedES256(f.wl, { ...wlHeader(), cty: 'JWT' }, wlClaims()), code: 'unsupported_token' },
  { name: 'signed by an untrusted key with a trusted kid', token: () => signToken(f.rogue, wlClaims()), code: 'bad_signature' },
  { name: 'payload tampered after signing', token: async () => tamper(await signToken(f.wl, wlClaims()), { sub: 'spiffe://prod.test/admin' }), code: 'bad_signature' },
  { name: 'unknown kid', token: () => signToken({ ...f.wl, kid: 'nope' }, wlClaims()), code: 'unknown_key' },
  { name: 'missing exp', token: () => signToken(f.wl, wlClaims({ exp: undefined })), code: 'missing_claim' },
  { name: 'missing aud', token: () => signToken(f.wl, wlClaims({ aud: undefined })), code: 'missing_claim' },
  { name: 'missing sub', token: () => signToken(f.wl, wlClaims({ sub: undefined })), code: 'missing_claim' },
  { name: 'missing iss', token: () => signToken(f.wl, wlClaims({ iss: undefined })), code: 'missing_claim' },
  { name: 'iss not a string', token: () => craftSignedES256(f.wl, wlHeader(), wlClaims({ iss: 7 })), code: 'malformed' },
  { name: 'exp not a number', token: () => craftSignedES256(f.wl, wlHeader(), wlClaims({ exp: 'later' })), code: 'malformed' },
  { name: 'expired', token: () => signToken(f.wl, wlClaims({ iat: T0 - 3600, exp: T0 - 600 })), code: 'expired' },
  { name: 'not yet valid (nbf)', token: () => signToken(f.wl, wlClaims({ nbf: T0 + 600 })), code: 'not_yet_valid' },
  { name: 'iat in the future', token: () => signToken(f.wl, wlClaims({ iat: T0 + 600, exp: T0 + 900 })), code: 'not_yet_valid' },
  { name: 'lifetime of a year', token: () => signToken(f.wl, wlClaims({ exp: T0 + 365 * 86400 })), code: 'lifetime_too_long' },
  { name: 'no iat and exp a year away', token: () => signToken(f.wl, wlClaims({ iat: undefined, exp: T0 + 365 * 86400 })), code: 'lifetime_too_long' },
  { name: 'wrong iss (unknown issuer)', token: () => signToken(f.wl, wlClaims({ iss: 'https://evil.test' })), code: 'untrusted_issuer' },
  { name: 'iss of another trusted issuer, signed with this key', token: () => signToken(f.wl, wlClaims({ iss: IDP_ISS })), kinds: ['workload', 'human'], code: 'alg_not_allowed' },
  { name: 'wrong aud', token: () => signToken(f.wl, wlClaims({ aud: 'someone-else' })), code: 'wrong_audience' },
  { name: 'ID token of another audience', token: () => signToken(f.idp, claimsAt(T0, IDP_ISS, 'user-1', { aud: 'chat-frontend', nonce: 'n' })), kinds: ['human'], code: 'wrong_audience' },
  { name: 'workload token where only admin is accepted', token: () => signToken(f.wl, wlClaims()), kinds: ['admin'], code: 'untrusted_issuer' },
  { name: 'no kinds accepted', token: () => signToken(f.wl, wlClaims()), kinds: [], code: 'untrusted_issuer' },
  { name: 'oversized token', token: () => signToken(f.wl, wlClaims({ pad: 'x'.repeat(MAX_TOKEN_BYTES) })), code: 'token_too_large' },
  { name: 'oversized in bytes but not in chars', token: () => 'é'.repeat(MAX_TOKEN_BYTES / 2 + 1), code: 'token_too_large' },
  { name: '5-part JWE-shaped token', token: () => 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d', code: 'unsupported_token' },
  { name: '2 parts', token: () => 'eyJhbGciOiJFUzI1NiJ9.e30', code: 'malformed' },
  { name: 'garbage', token: () => 'this is not a token', code: 'malformed' },
  { name: 'garbage with dots', token: () => '!!.??.**', code: 'malformed' },
  { name: 'header not JSON', token: () => `${b64url('nope')}.${b64url('{}')}.c2ln`, code: 'malformed' },
  { name: 'header a JSON array', token: () => `${b64url('[1]')}.${b64url('{}')}.c2ln`, code: 'malformed' },
  { name: 'payload a JSON string', token: () => `${b64url('{"alg":"ES256"}')}.${b64url('"x"')}.c2ln`, code: 'malformed' },
  { name: 'empty signature with a real alg', token: () => craft(wlHeader(), wlClaims()), code: 'malformed' },
  { name: 'empty string', token: () => '', code: 'malformed' },
  { name: 'not a string', token: () => 42 as unknown as string, code: 'malformed' },
  { name: 'wrong typ when the issuer pins one', token: () => signToken(f.admin, claimsAt(T0, ADMIN_ISS, 'alice'), { typ: 'JWT' }), kinds: ['admin'], code: 'wrong_type' },
  { name: 'no typ when the issuer pins one', token: () => signToken(f.admin, claimsAt(T0, ADMIN_ISS, 'alice')), kinds: ['admin'], code: 'wrong_type' },
  { name: 'malformed SPIFFE sub', token: () => signToken(f.wl, wlClaims({ sub: 'spiffe://prod.test/a/../admin' })), code: 'bad_subject' },
  { name: 'uppercase SPIFFE trust domain', token: () => signToken(f.wl, wlClaims({ sub: 'spiffe://PROD.test/a' })), code: 'bad_subject' },
  { name: 'non-SPIFFE sub at a SPIFFE issuer', token: () => signToken(f.wl, wlClaims({ sub: 'planner' })), code: 'bad_subject' },
  { name: 'SPIFFE sub of a foreign trust domain', token: () => signToken(f.wl, wlClaims({ sub: 'spiffe://evil.test/ns/agents' })), code: 'bad_subject' },
  { name: 'subject pattern mismatch', token: () => signToken(f.idp, claimsAt(T0, IDP_ISS, 'admin')), kinds: ['human'], code: 'bad_subject' },
  { name: 'subject pattern matches only a prefix (anchoring)', token: () => signToken(f.idp, claimsAt(T0, IDP_ISS, 'user-12x')), kinds: ['human'], code: 'bad_subject' },
  { name: 'empty sub', token: () => signToken(f.idp, claimsAt(T0, IDP_ISS, '')), kinds: ['human'], code: 'bad_subject' },
];

function tamper(token: string, change: Record<string, unknown>): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...change };
  return `${h}.${b64url(JSON.stringify(payload))}.${s}`;
}

describe('trust registry refuses', () => {
  it.each(rows)('$name → $code', async ({ token, kinds, code }) => {
    const t = await token();
    const err = await f.registry.verify(t, kinds ?? ['workload']).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IdentityError);
    expect((err as IdentityError).code).toBe(code);
    // The message may be logged and returned to the caller: it must not echo the token.
    if (typeof t === 'string' && t.length > 8) {
      expect((err as IdentityError).message).not.toContain(t);
      for (const part of t.split('.')) if (part.length > 8) expect((err as IdentityError).message).not.toContain(part);
    }
  });
});
