import { describe, expect, it, beforeAll } from 'vitest';
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { harness, JWT_TYPE, type Harness } from '../support/harness.ts';
import { signRawES256 } from '../support/keys.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});

const b64u = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

async function expectError(res: Response, status: number, error: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  return body;
}

async function grantCount(): Promise<number> {
  const page = await (await h.adminRequest('/v1/grants?limit=1000')).json();
  return page.grants.length;
}

describe('RFC 8725 attacks on the subject token answer invalid_request and issue nothing', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ iss: 'https://workload.example', sub: 'spiffe://example.org/agent/demo', aud: 'tollgate', iat: now(), exp: now() + 600 });
  const cases: [string, () => Promise<string>][] = [
    ['alg none', async () => `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(claims())}.`],
    ['alg None', async () => `${b64u({ alg: 'None' })}.${b64u(claims())}.`],
    ['alg NONE', async () => `${b64u({ alg: 'NONE' })}.${b64u(claims())}.`],
    [
      'HS256 signed with the issuer public key',
      async () => {
        const input = `${b64u({ alg: 'HS256', kid: 'wl-1' })}.${b64u(claims())}`;
        const sig = createHmac('sha256', JSON.stringify(h.workload.publicJwk)).update(input).digest('base64url');
        return `${input}.${sig}`;
      },
    ],
    ['embedded jwk', () => h.workload.mint('spiffe://example.org/agent/demo', {}, { header: { jwk: h.workload.publicJwk } })],
    ['jku', () => h.workload.mint('spiffe://example.org/agent/demo', {}, { header: { jku: 'http://127.0.0.1:1/jwks' } })],
    ['x5u', () => h.workload.mint('spiffe://example.org/agent/demo', {}, { header: { x5u: 'http://127.0.0.1:1/cert' } })],
    ['x5c', () => h.workload.mint('spiffe://example.org/agent/demo', {}, { header: { x5c: ['MIIB'] } })],
    ['crit', () => signRawES256({ alg: 'ES256', kid: 'wl-1', crit: ['urn:x:ext'], 'urn:x:ext': 1 }, claims(), h.workload.privateKey)],
    ['valid signature but sub is a control-character SPIFFE ID', () => signRawES256({ alg: 'ES256', kid: 'wl-1' }, { ...claims(), sub: 'spiffe://example.org/agent/\u001b[2J' }, h.workload.privateKey)],
    ['missing exp', () => new SignJWT({ ...claims(), exp: undefined }).setProtectedHeader({ alg: 'ES256', kid: 'wl-1' }).sign(h.workload.privateKey)],
    ['expired', () => h.workload.mint('spiffe://example.org/agent/demo', {}, { iat: now() - 3600, ttl: 600 })],
    ['not yet valid', () => h.workload.mint('spiffe://example.org/agent/demo', { nbf: now() + 3600 })],
    ['wrong iss', () => new SignJWT({ ...claims(), iss: 'https://evil.example' }).setProtectedHeader({ alg: 'ES256', kid: 'wl-1' }).sign(h.workload.privateKey)],
    ['wrong aud', () => h.workload.mint('spiffe://example.org/agent/demo', { aud: 'someone-else' })],
    ['ID token of another audience', () => h.human.mint('alice', { aud: 'another-client', nonce: 'n' })],
    ['malformed SPIFFE ID', () => h.workload.mint('spiffe://example.org/agent/../admin')],
    ['SPIFFE ID of a foreign trust domain', () => h.workload.mint('spiffe://evil.org/agent/demo')],
    ['uppercase SPIFFE scheme', () => h.workload.mint('SPIFFE://example.org/agent/demo')],
    ['JWE-shaped', async () => 'a.b.c.d.e'],
    ['garbage', async () => 'not-a-jwt'],
    ['admin token as subject', () => h.admin.mint('root', { aud: 'tollgate-admin' })],
  ];
  it('control: the hand-rolled signer makes tokens that are accepted when nothing is wrong', async () => {
    const token = await signRawES256({ alg: 'ES256', kid: 'wl-1', typ: 'JWT' }, claims(), h.workload.privateKey);
    expect((await h.exchange({ subject_token: token, scope: 'demo:reports:read' })).status).toBe(200);
  });

  it.each(cases)('%s', async (_name, make) => {
    const before = await grantCount();
    const res = await h.exchange({ subject_token: await make(), scope: 'demo:reports:read' });
    await expectError(res, 400, 'invalid_request');
    expect(await grantCount()).toBe(before);
  });
});

describe('malformed requests', () => {
  it('rejects a wrong grant_type', async () => {
    await expectError(await h.form('/oauth/token', { grant_type: 'client_credentials' }), 400, 'unsupported_grant_type');
  });

  it('rejects JSON bodies on the OAuth endpoint', async () => {
    const res = await h.app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await expectError(res, 400, 'invalid_request');
  });

  it('rejects repeated parameters', async () => {
    const body = `grant_type=${encodeURIComponent(TOKEN_EXCHANGE_GRANT)}&scope=demo:reports:read&scope=demo:reports:delete`;
    const res = await h.app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    await expectError(res, 400, 'invalid_request');
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const res = await h.exchange({ subject_token: 'x'.repeat(70_000), scope: 'demo:reports:read' });
    await expectError(res, 413, 'payload_too_large');
  });

  it('refuses an oversized token with 413', async () => {
    const res = await h.exchange({ subject_token: 'x'.repeat(20_000), scope: 'demo:reports:read' });
    await expectError(res, 413, 'payload_too_large');
  });

  it('requires task_id', async () => {
    const res = await h.form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: await h.agentToken(), subject_token_type: JWT_TYPE, scope: 'demo:reports:read' });
    await expectError(res, 400, 'invalid_request');
  });

  it.each([
    ['unknown resource', 'aws:s3:nothing:read', 'invalid_target'],
    ['unknown action class', 'demo:reports:execute', 'invalid_scope'],
    ['action the resource does not offer', 'demo:db:write', 'invalid_scope'],
    ['two resources in one exchange', 'demo:reports:read demo:db:read', 'invalid_scope'],
    ['SQL-looking scope', "demo:reports' OR '1'='1:read", 'invalid_target'],
    ['SQL-looking resource', "demo:reports';DROP_TABLE_grants;--:read", 'invalid_target'],
    ['empty scope', '', 'invalid_scope'],
  ])('%s', async (_n, scope, error) => {
    await expectError(await h.exchange({ subject_token: await h.agentToken(), scope }), 400, error);
  });

  it('refuses too many scopes', async () => {
    await expectError(await h.exchange({ subject_token: await h.agentToken(), scope: Array(20).fill('demo:reports:read').join(' ') }), 400, 'invalid_scope');
  });

  it('refuses control characters in intent and task_id, and over-long intents', async () => {
    const t = await h.agentToken();
    await expectError(await h.exchange({ subject_token: t, scope: 'demo:reports:read', intent: 'ok\u001b[31mforged' }), 400, 'invalid_request');
    await expectError(await h.exchange({ subject_token: t, scope: 'demo:reports:read', task_id: 'a\nb' }), 400, 'invalid_request');
    await expectError(await h.exchange({ subject_token: t, scope: 'demo:reports:read', intent: 'x'.repeat(600) }), 400, 'invalid_request');
  });

  it('refuses a requested token type the resource cannot give', async () => {
    await expectError(
      await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', requested_token_type: 'urn:tollgate:token-type:aws-credentials' }),
      400,
      'invalid_request',
    );
  });

  it.each(['0', '-5', '1.5', 'abc', '99999999999'])('refuses requested_ttl=%s', async (ttl) => {
    await expectError(await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', requested_ttl: ttl }), 400, 'invalid_request');
  });

  it('answers unknown paths with a JSON 404', async () => {
    await expectError(await h.app.request('/nope'), 404, 'not_found');
  });
});
