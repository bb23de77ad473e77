import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signRawES256 } from '../support/keys.ts';
import { CAEP, RISC, SIGNALS_AUDIENCE, signalsHarness, transmitter, type SignalsHarness } from './transmitter.ts';

let h: SignalsHarness;
let victim: { access_token: string; grant_id: string };
beforeAll(async () => {
  h = await signalsHarness();
  victim = await h.grant({ human: 'victim', email: 'victim@example.com', task: 't-v', scope: 'demo:reports:write' });
});

const VICTIM = () => ({ format: 'iss_sub', iss: h.human.issuer, sub: 'victim' });
const DISABLE = () => ({ [RISC + 'account-disabled']: {} });
const nowSec = () => Math.floor(h.clock.now / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Each case builds a SET that names the victim; none may change anything. */
const cases: { name: string; err: string; description: RegExp; set: () => Promise<string>; contentType?: string }[] = [
  {
    name: 'forged: signed by another key under the transmitter\'s kid',
    err: 'invalid_key',
    description: /signature/,
    set: async () => (await transmitter(() => h.clock.now)).set(DISABLE(), { sub_id: VICTIM() }),
  },
  {
    name: 'unsigned (alg none)',
    err: 'invalid_key',
    description: /unsigned/,
    set: async () => `${b64({ alg: 'none', typ: 'secevent+jwt' })}.${b64({ iss: h.ssf.issuer, aud: SIGNALS_AUDIENCE, iat: nowSec(), jti: 'j-none', sub_id: VICTIM(), events: DISABLE() })}.`,
  },
  {
    name: 'an algorithm the transmitter is not configured for',
    err: 'invalid_key',
    description: /algorithm/,
    set: async () => `${b64({ alg: 'HS256', typ: 'secevent+jwt', kid: 'ssf-1' })}.${b64({ iss: h.ssf.issuer, aud: SIGNALS_AUDIENCE, iat: nowSec(), jti: 'j-hs', sub_id: VICTIM(), events: DISABLE() })}.c2ln`,
  },
  { name: 'wrong typ (an ordinary JWT)', err: 'invalid_request', description: /typ/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM() }, { typ: 'JWT' }) },
  {
    name: 'no typ',
    err: 'invalid_request',
    description: /typ/,
    set: () => signRawES256({ alg: 'ES256', kid: 'ssf-1' }, { iss: h.ssf.issuer, aud: SIGNALS_AUDIENCE, iat: nowSec(), jti: 'j-notyp', sub_id: VICTIM(), events: DISABLE() }, h.ssf.privateKey),
  },
  { name: 'addressed to another audience', err: 'invalid_audience', description: /aud/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM(), aud: 'https://someone-else.example' }) },
  { name: 'from an untrusted transmitter', err: 'invalid_issuer', description: /issuer/, set: async () => (await transmitter(() => h.clock.now, 'https://evil.example')).set(DISABLE(), { sub_id: VICTIM() }) },
  {
    name: 'from a trusted issuer that is not a transmitter (the human IdP)',
    err: 'invalid_issuer',
    description: /issuer/,
    set: () =>
      new SignJWT({ aud: SIGNALS_AUDIENCE, jti: 'j-idp', sub_id: VICTIM(), events: DISABLE() })
        .setProtectedHeader({ alg: 'ES256', kid: h.human.kid, typ: 'secevent+jwt' })
        .setIssuer(h.human.issuer)
        .setIssuedAt(nowSec())
        .sign(h.human.privateKey),
  },
  { name: 'too old (iat beyond max_signal_age + clock skew)', err: 'invalid_request', description: /too old/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM(), iat: nowSec() - 300 - 60 - 1 }) },
  { name: 'issued in the future', err: 'invalid_request', description: /future/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM(), iat: nowSec() + 3600 }) },
  { name: 'expired (exp in the past)', err: 'invalid_request', description: /expired/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM(), iat: nowSec() - 120, exp: nowSec() - 100 }) },
  { name: 'no jti', err: 'invalid_request', description: /jti/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM(), jti: undefined }) },
  { name: 'a "sub" claim (an identity token dressed as a SET)', err: 'invalid_request', description: /sub_id/, set: () => h.ssf.set(DISABLE(), { sub: 'victim', sub_id: VICTIM() }) },
  { name: 'events is not an object', err: 'invalid_request', description: /events/, set: () => h.ssf.set('account-disabled' as never, { sub_id: VICTIM() }) },
  { name: 'no events', err: 'invalid_request', description: /empty/, set: () => h.ssf.set({}, { sub_id: VICTIM() }) },
  { name: 'an event payload that is not an object', err: 'invalid_request', description: /payload/, set: () => h.ssf.set({ [RISC + 'account-disabled']: 'yes' }, { sub_id: VICTIM() }) },
  {
    name: 'too many events',
    err: 'invalid_request',
    description: /more than 8/,
    set: () => h.ssf.set(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`https://example.com/e/${i}`, {}])), { sub_id: VICTIM() }),
  },
  { name: 'a known event missing a required member', err: 'invalid_request', description: /credential_type/, set: () => h.ssf.set({ [RISC + 'credential-compromise']: {} }, { sub_id: VICTIM() }) },
  {
    name: 'a known event with a malformed member',
    err: 'invalid_request',
    description: /change_type/,
    set: () => h.ssf.set({ [CAEP + 'credential-change']: { credential_type: 'password', change_type: 'explode' } }, { sub_id: VICTIM() }),
  },
  { name: 'a known event with no subject', err: 'invalid_request', description: /subject/, set: () => h.ssf.set(DISABLE()) },
  { name: 'a malformed subject', err: 'invalid_request', description: /email/, set: () => h.ssf.set(DISABLE(), { sub_id: { format: 'email', email: 'not an email' } }) },
  {
    name: 'sub_id and the event subject disagree',
    err: 'invalid_request',
    description: /disagree/,
    set: () => h.ssf.set({ [RISC + 'account-disabled']: { subject: { format: 'email', email: 'someone@example.com' } } }, { sub_id: VICTIM() }),
  },
  { name: 'not sent as application/secevent+jwt', err: 'invalid_request', description: /content-type/, set: () => h.ssf.set(DISABLE(), { sub_id: VICTIM() }), contentType: 'application/jwt' },
];

describe('bad SETs: 400 with the reason, nothing revoked, risk unchanged, audited', () => {
  it.each(cases)('$name', async ({ err, description, set, contentType }) => {
    const rejectedBefore = (await h.auditOf('signal.rejected')).length;
    const res = await h.push(await set(), contentType);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toEqual({ err, description: expect.stringMatching(description) });
    expect((await h.introspect(victim.access_token)).active).toBe(true);
    expect((await h.auditOf('risk.changed')).length).toBe(0);
    expect(await h.deps.store.riskLevels('x', `${h.human.issuer}#victim`)).toMatchObject({ agent: null, principal: null });
    // A wrong content type is refused before the SET is even read; everything else is audited.
    if (!contentType) {
      const rejected = await h.auditOf('signal.rejected');
      expect(rejected.length).toBe(rejectedBefore + 1);
      expect(rejected.at(-1)).toMatchObject({ decision: 'deny', reason: err, detail: { description: body.description } });
    }
  });

  it('a body larger than max_token_bytes is refused before it is read whole', async () => {
    const res = await h.push('a'.repeat(h.deps.config.server.limits.max_token_bytes + 1));
    expect(res.status).toBe(413);
  });

  it('a replayed SET (same iss and jti) is refused and changes nothing the second time', async () => {
    const first = await h.grant({ human: 'replayed', task: 't-r1' });
    const set = await h.ssf.set({ [CAEP + 'session-revoked']: {} }, { sub_id: { format: 'iss_sub', iss: h.human.issuer, sub: 'replayed' } });
    expect((await h.push(set)).status).toBe(202);
    expect((await h.introspect(first.access_token)).active).toBe(false);
    // an admin clears the risk and the human works again
    const lowered = await h.adminRequest('/v1/risk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ principal: `${h.human.issuer}#replayed`, level: 'low', reason: 'checked with the user' }) });
    expect(lowered.status).toBe(200);
    const second = await h.grant({ human: 'replayed', task: 't-r2', scope: 'demo:reports:write' });
    const replay = await h.push(set);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ err: 'invalid_request', description: expect.stringMatching(/replayed/) });
    expect((await h.introspect(second.access_token)).active).toBe(true);
    expect(await h.deps.store.riskLevels('x', `${h.human.issuer}#replayed`)).toMatchObject({ agent: null, principal: 'low' });
  });

  it('a replayed SET that did nothing is refused as well', async () => {
    expect((await h.push(await h.ssf.set({ 'https://example.com/e/x': {} }, { jti: 'shared-jti' }))).status).toBe(202);
    expect((await h.push(await h.ssf.set({ 'https://example.com/e/x': {} }, { jti: 'shared-jti' }))).status).toBe(400);
  });
});
