import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionClass } from '../../src/model/action-class.ts';
import type { Grant } from '../../src/model/grant.ts';
import { awsStsProviderFactory } from '../../providers/aws-sts/index.ts';
import { sourceIdentity } from '../../providers/aws-sts/session-identity.ts';
import { ProviderError, type IssuedCredential, type Provider } from '../../providers/provider.ts';
import { startFakeAws, type FakeAws } from '../upstreams/aws/server.ts';
import { fixtureConfig, REPORTS_ROLE, reportsResource, setupAwsStsFixture, testContext, TIMEOUT_S, TOLLGATE_ROLE, type AwsStsFixture } from './aws-sts-fixture.ts';
import { exchangeHarness, exchangeParams, expectNoSecret, grantFor, providerContract } from './contract.ts';

providerContract({ name: 'aws-sts (local STS)', revocable: false, hasUpstream: true, setup: () => setupAwsStsFixture() });
providerContract({ name: 'aws-sts with emergency_deny (local STS and IAM)', revocable: true, hasUpstream: true, setup: () => setupAwsStsFixture({ emergencyDeny: true }) });

/** The provider's clock, held still so DurationSeconds can be asserted exactly. */
const clock = { now: Date.now() };

async function issue(f: AwsStsFixture, actions: ActionClass[], ttlMs = 3600_000, grant: Partial<Grant> = {}) {
  const g = { ...grantFor(f.resource, actions, ttlMs, clock.now), ...grant };
  const c = await f.provider.issue({ grant: g, resource: f.resource, actions, expiresAt: g.expires_at, signal: AbortSignal.timeout(10_000), subjectToken: null });
  return { grant: g, c };
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ProviderError);
const assumeRoles = (f: AwsStsFixture) => f.server.calls.filter((c) => c.action === 'AssumeRole');
const lastAssumeRole = (f: AwsStsFixture) => assumeRoles(f).at(-1)!.params;

describe('aws-sts: what AssumeRole asks for', () => {
  let f: AwsStsFixture;
  beforeAll(async () => {
    f = await setupAwsStsFixture({ now: () => clock.now });
  });
  afterAll(() => f.teardown());
  afterEach(() => f.server.fault('none'));

  it('sends as session policy the templates of the granted actions, and only those', async () => {
    await issue(f, ['read']);
    expect(JSON.parse(lastAssumeRole(f).Policy!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'ReadReports', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'] }],
    });
    await issue(f, ['write', 'read']);
    const policy = lastAssumeRole(f).Policy!;
    expect(policy).not.toMatch(/\s/); // compact: every character counts against AWS's limit
    expect(JSON.parse(policy).Statement).toEqual([
      { Sid: 'ReadReports', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::reports/*'] },
    ]);
  });

  it('names the session after the grant, stamps who it acts for, and tags task, agent and owner', async () => {
    const { grant } = await issue(f, ['read'], 3600_000, { task_id: 't-1 #7', owner: 'team-a' });
    const p = lastAssumeRole(f);
    expect(p.RoleArn).toBe(REPORTS_ROLE);
    expect(p.RoleSessionName).toBe(grant.id);
    expect(p.SourceIdentity).toMatch(/^idp\.example-alice\.[0-9a-f]{12}$/); // the principal, https://idp.example#alice
    expect(p).toMatchObject({
      'Tags.member.1.Key': 'tollgate:task',
      'Tags.member.1.Value': 't-1 _7',
      'Tags.member.2.Key': 'tollgate:agent',
      'Tags.member.2.Value': 'spiffe://example.org/agent/contract',
      'Tags.member.3.Key': 'tollgate:owner',
      'Tags.member.3.Value': 'team-a',
    });
    await issue(f, ['read'], 3600_000, { principal: null });
    expect(lastAssumeRole(f).SourceIdentity).toMatch(/^example\.org-agent-contract\.[0-9a-f]{12}$/);
  });

  it.each([
    ['an id that fits', 'https://idp.example#alice', /^idp\.example-alice\.[0-9a-f]{12}$/],
    ['a long id, keeping its end', `spiffe://example.org/${'x'.repeat(200)}/agent-7`, /^x{43}-agent-7\.[0-9a-f]{12}$/],
    ['characters AWS refuses', 'https://idp.example#ålice smith', /^idp\.example--lice-smith\.[0-9a-f]{12}$/],
  ])('maps %s to a SourceIdentity AWS accepts', async (_case, principal, expected) => {
    const id = await sourceIdentity({ principal, agent: 'spiffe://example.org/agent/a' });
    expect(id).toMatch(expected);
    expect(id).toMatch(/^[\w+=,.@-]{2,64}$/);
  });

  it('keeps two ids apart even when their readable parts are the same', async () => {
    const a = await sourceIdentity({ principal: 'https://idp.example#a/b', agent: 'x' });
    const b = await sourceIdentity({ principal: 'https://idp.example#a?b', agent: 'x' });
    expect(a.slice(0, -13)).toBe(b.slice(0, -13));
    expect(a).not.toBe(b);
  });

  it.each([
    ['a grant longer than the role allows', 2 * 3600, 3600],
    ['a 20-minute grant, less the call timeout', 1200, 1200 - TIMEOUT_S],
    ['a 15-minute grant, lifted to the STS minimum', 900, 900],
    ['a 10-minute grant, lifted to the STS minimum', 600, 900],
  ])('asks for DurationSeconds for %s', async (_case, ttlSeconds, expected) => {
    await issue(f, ['read'], ttlSeconds * 1000);
    expect(Number(lastAssumeRole(f).DurationSeconds)).toBe(expected);
  });

  it('reports as expiry what STS answered, even past a grant shorter than STS allows', async () => {
    for (const ttl of [3600_000, 600_000]) {
      const { grant, c } = await issue(f, ['read'], ttl);
      const session = f.server.session(c.credential!.access_key_id!)!;
      expect(c.expiresAt).toBe(session.expiresAt);
      expect(c.credential!.expiration).toBe(new Date(session.expiresAt).toISOString());
      if (ttl === 600_000) expect(c.expiresAt).toBeGreaterThan(grant.expires_at);
    }
  });

  it('hands out working keys: the session token as token, the three keys as credential', async () => {
    const { grant, c } = await issue(f, ['read']);
    expect(c.token).toBe(c.credential!.session_token);
    expect(c.issuedTokenType).toBe('urn:tollgate:token-type:aws-credentials');
    expect(await callerArn(f.server, c)).toBe(`arn:aws:sts::123456789012:assumed-role/reports/${grant.id}`);
    // the lease names the session for revocation, and holds no key
    expect(JSON.parse(c.lease!)).toEqual({ role_arn: REPORTS_ROLE, session_name: grant.id, source_identity: lastAssumeRole(f).SourceIdentity, expires: Math.ceil(c.expiresAt / 1000) });
    expectNoSecret(c.lease!, Object.values(c.credential!));
  });

  it('refuses a combination of actions whose session policy passes 2,048 characters, without calling STS', async () => {
    const big = (action: string) => ({ role_arn: REPORTS_ROLE, actions: [action], resources: Array.from({ length: 24 }, (_, i) => `arn:aws:s3:::reports/${'p'.repeat(30)}-${i}/*`) });
    const g = await setupAwsStsFixture({ resource: { ...reportsResource(), actions: { read: big('s3:GetObject'), write: big('s3:PutObject') } } });
    try {
      await issue(g, ['read']);
      const before = assumeRoles(g).length;
      const err = await failure(issue(g, ['read', 'write']));
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ code: 'scope_too_large', retryable: false });
      expect(err.message).toMatch(/^session policy is \d{4} characters; AWS allows 2048$/);
      expect(assumeRoles(g).length).toBe(before);
    } finally {
      await g.teardown();
    }
  });

  it('maps STS PackedPolicyTooLarge (policy and tags too large once packed) to scope_too_large', async () => {
    const g = await setupAwsStsFixture({ server: { packedCapacity: 200 } });
    try {
      const err = await failure(issue(g, ['read', 'write']));
      expect(err).toMatchObject({ code: 'scope_too_large', retryable: false });
      expect(err.message).toContain('PackedPolicyTooLarge');
    } finally {
      await g.teardown();
    }
  });

  it('through Tollgate: a grant too short for STS under max_overrun 0 answers invalid_request saying why', async () => {
    const g = await setupAwsStsFixture({ config: { max_overrun: 0 } });
    const h = await exchangeHarness(g);
    try {
      const res = await h.exchange({ ...(await exchangeParams(h, g)), requested_ttl: '600' });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('ask for a TTL of at least') });
    } finally {
      await h.deps.store.close();
      await g.teardown();
    }
  });

  it('refuses, before calling STS, a short grant when max_overrun forbids outliving it', async () => {
    const g = await setupAwsStsFixture({ now: () => clock.now, config: { max_overrun: 0 } });
    try {
      const err = await failure(issue(g, ['read'], 600_000));
      expect(err).toMatchObject({ code: 'ttl_too_short', retryable: false });
      expect(err.message).toBe(`the grant has 600 s left, but AWS STS issues credentials for at least 900 s, which would outlive the grant: ask for a TTL of at least ${900 + TIMEOUT_S} s`);
      expect(assumeRoles(g)).toHaveLength(0);
      await issue(g, ['read'], (900 + TIMEOUT_S) * 1000);
      expect(lastAssumeRole(g).DurationSeconds).toBe('900');
    } finally {
      await g.teardown();
    }
  });

  it.each([
    ['AccessDenied', '403', 'upstream_refused', false],
    ['InternalFailure', '500', 'upstream_unavailable', true],
  ] as const)('maps STS %s (HTTP %s) to %s', async (_case, fault, code, retryable) => {
    f.server.fault(fault);
    const err = await failure(issue(f, ['read']));
    expect(err).toMatchObject({ code, retryable });
    expectNoSecret(err.message, f.secrets());
  });
});

describe('aws-sts: Tollgate\'s own credentials', () => {
  let server: FakeAws;
  let provider: Provider | null;
  beforeAll(async () => {
    server = await startFakeAws({ roles: [{ arn: REPORTS_ROLE }, { arn: TOLLGATE_ROLE }] });
  });
  afterEach(async () => {
    await provider?.stop?.();
    provider = null;
  });
  afterAll(() => server.close());

  const build = async (credentials: unknown) => {
    const { ctx, lines } = testContext();
    provider = await awsStsProviderFactory('aws', { ...fixtureConfig(server), credentials }, ctx);
    provider.checkResource?.(reportsResource('aws'));
    return { provider, lines };
  };

  it('signs with SigV4, which the local STS checks: a wrong secret key is refused at start and at issue', async () => {
    const { provider: p, lines } = await build({ static: { access_key_id: server.accessKeyId, secret_access_key: 'not-the-secret-key-of-this-access-key' } });
    const atStart = await failure(p.start!());
    expect(atStart).toMatchObject({ code: 'misconfigured', retryable: false });
    expect(atStart.message).toContain('SignatureDoesNotMatch');
    const g = grantFor(reportsResource('aws'), ['read'], 3600_000);
    const err = await failure(p.issue({ grant: g, resource: reportsResource('aws'), actions: ['read'], expiresAt: g.expires_at, signal: AbortSignal.timeout(10_000), subjectToken: null }));
    expect(err).toMatchObject({ code: 'upstream_refused', retryable: false });
    expect(err.message).toMatch(/^STS AssumeRole: SignatureDoesNotMatch \(HTTP 403, request [0-9a-f-]{36}\)$/);
    for (const text of [err.message, atStart.message, ...lines]) expectNoSecret(text, ['not-the-secret-key-of-this-access-key', server.secretAccessKey]);
  });

  it('obtains them from a web identity token file, renewing only when they near expiry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-aws-'));
    writeFileSync(join(dir, 'token'), server.webIdentityToken + '\n');
    const { provider: p } = await build({ web_identity: { role_arn: TOLLGATE_ROLE, token_file: join(dir, 'token') } });
    await p.start!();
    const g = grantFor(reportsResource('aws'), ['read'], 3600_000);
    for (let i = 0; i < 2; i++) await p.issue({ grant: g, resource: reportsResource('aws'), actions: ['read'], expiresAt: g.expires_at, signal: AbortSignal.timeout(10_000), subjectToken: null });
    const webIdentity = server.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity');
    expect(webIdentity).toHaveLength(1);
    expect(webIdentity[0]!.params).toMatchObject({ RoleArn: TOLLGATE_ROLE, WebIdentityToken: server.webIdentityToken });
    // AssumeRole was signed with the session that web identity yielded, not the static key
    const signer = server.calls.filter((c) => c.action === 'AssumeRole').at(-1)!.caller!;
    expect(server.session(signer)?.role.arn).toBe(TOLLGATE_ROLE);
  });

  it('a web identity token STS rejects stops the service at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-aws-'));
    writeFileSync(join(dir, 'token'), 'eyJ-not-the-right-token');
    const { provider: p } = await build({ web_identity: { role_arn: TOLLGATE_ROLE, token_file: join(dir, 'token') } });
    const err = await failure(p.start!());
    expect(err).toMatchObject({ code: 'misconfigured' });
    expect(err.message).toContain('AssumeRoleWithWebIdentity: InvalidIdentityToken');
  });
});

describe('the local STS checks SigV4 as AWS does', () => {
  let server: FakeAws;
  beforeAll(async () => {
    server = await startFakeAws({ roles: [{ arn: REPORTS_ROLE }] });
  });
  afterAll(() => server.close());

  it('refuses a request changed after it was signed, and an unsigned one', async () => {
    const sts = new STSClient({ region: 'eu-west-1', endpoint: server.url, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
    // Runs after signing, just before sending: the body no longer matches its signed hash.
    sts.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body: string };
        req.body = req.body.replace('RoleSessionName=grt_a', 'RoleSessionName=grt_b');
        return next(args);
      },
      { step: 'deserialize' },
    );
    try {
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: REPORTS_ROLE, RoleSessionName: 'grt_a' }))).rejects.toMatchObject({ Code: 'SignatureDoesNotMatch' });
    } finally {
      sts.destroy();
    }
    const unsigned = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${REPORTS_ROLE}&RoleSessionName=grt_a` });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(server.calls.filter((c) => c.status === 200)).toHaveLength(0);
  });
});

async function callerArn(server: FakeAws, c: IssuedCredential): Promise<string | undefined> {
  const k = c.credential!;
  const sts = new STSClient({ region: 'eu-west-1', endpoint: server.url, credentials: { accessKeyId: k.access_key_id!, secretAccessKey: k.secret_access_key!, sessionToken: k.session_token! } });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } finally {
    sts.destroy();
  }
}
