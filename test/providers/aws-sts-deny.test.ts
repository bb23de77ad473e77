import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/model/grant.ts';
import { awsStsProviderFactory } from '../../providers/aws-sts/index.ts';
import { ProviderError } from '../../providers/provider.ts';
import { REPORTS_ROLE, setupAwsStsFixture, testContext, type AwsStsFixture } from './aws-sts-fixture.ts';
import { exchangeHarness, exchangeParams, grantFor } from './fixture.ts';

// emergency_deny: revoking a grant puts an inline deny on the role for that grant's session only,
// and a sweep at start (and on a timer) deletes it once the session has surely ended.

const MARGIN_S = 300;
const puts = (f: AwsStsFixture) => f.server.calls.filter((c) => c.action === 'PutRolePolicy' && c.status === 200);
const denyNames = (f: AwsStsFixture) => [...f.server.rolePolicies(REPORTS_ROLE).keys()].filter((n) => n.startsWith('tollgate-deny-'));

async function issue(f: AwsStsFixture, grant: Partial<Grant> = {}) {
  const g = { ...grantFor(f.resource, ['read'], 3600_000), ...grant };
  const c = await f.provider.issue({ grant: g, resource: f.resource, actions: ['read'], expiresAt: g.expires_at, signal: AbortSignal.timeout(10_000), subjectToken: null });
  return { grant: g, c, accessKeyId: c.credential!.access_key_id! };
}

/** Another Tollgate process on the same config, with its own clock: what a restart looks like to IAM. */
async function restartAt(f: AwsStsFixture, now: number) {
  const p = await awsStsProviderFactory(f.resource.provider, f.rawConfig, testContext(() => now).ctx);
  p.checkResource!(f.resource);
  try {
    await p.start!();
  } finally {
    await p.stop!();
  }
}

describe('aws-sts: emergency_deny', () => {
  let f: AwsStsFixture;
  let iam: IAMClient;
  beforeAll(async () => {
    f = await setupAwsStsFixture({ emergencyDeny: true, server: { listPageSize: 2 } });
    iam = new IAMClient({ region: 'eu-west-1', endpoint: f.server.url, credentials: { accessKeyId: f.server.accessKeyId, secretAccessKey: f.server.secretAccessKey } });
  });
  afterEach(() => {
    f.server.fault('none');
    f.server.rolePolicies(REPORTS_ROLE).clear();
  });
  afterAll(async () => {
    iam.destroy();
    await f.teardown();
  });

  it('denies exactly the revoked grant\'s session, under a name that makes a second revoke rewrite it', async () => {
    const a = await issue(f);
    const b = await issue(f); // the same agent and principal, another task
    await f.provider.revoke!(a.c.lease, a.grant);
    const until = Math.ceil(a.c.expiresAt / 1000) + MARGIN_S;
    expect(denyNames(f)).toEqual([`tollgate-deny-${until}-${a.grant.id}`]);
    const doc = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'reports', PolicyName: denyNames(f)[0]! }))).PolicyDocument!));
    const statement = doc.Statement[0];
    expect(statement).toMatchObject({ Effect: 'Deny', Action: '*', Resource: '*' });
    expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceIdentity': f.server.session(a.accessKeyId)!.sourceIdentity });
    expect(statement.Condition.StringLike).toEqual({ 'aws:userid': `*:${a.grant.id}` });
    expect(Date.parse(statement.Condition.DateLessThanEquals['aws:TokenIssueTime'])).toBeGreaterThanOrEqual(f.server.session(a.accessKeyId)!.issuedAt);
    expect(f.server.isDenied(a.accessKeyId)).toBe(true);
    expect(f.server.isDenied(b.accessKeyId)).toBe(false);

    await f.provider.revoke!(a.c.lease, a.grant);
    expect(denyNames(f)).toHaveLength(1);
  });

  it('through Tollgate: completing the task denies the session, and the receipt says IAM takes seconds', async () => {
    const h = await exchangeHarness(f);
    try {
      const body = await (await h.exchange(await exchangeParams(h, f))).json();
      const done = await (await h.adminRequest('/v1/tasks/task-1/complete', { method: 'POST' })).json();
      expect(done.revoked).toEqual([{ grant_id: body.grant_id, status: 'revoked', detail: expect.stringContaining('within seconds') }]);
      expect(f.server.isDenied(body.credential.access_key_id)).toBe(true);
    } finally {
      await h.deps.store.close();
    }
  });

  it('without a lease (a crash mid-issue), finds the session from the grant', async () => {
    const a = await issue(f);
    await f.provider.revoke!(null, a.grant);
    expect(denyNames(f)).toEqual([`tollgate-deny-${Math.ceil(a.grant.expires_at / 1000) + 900 + MARGIN_S}-${a.grant.id}`]);
    expect(f.server.isDenied(a.accessKeyId)).toBe(true);
  });

  it('does not call IAM for a session that has surely ended', async () => {
    const before = puts(f).length;
    const long = Date.now() - 3 * 3600_000;
    await f.provider.revoke!(null, grantFor(f.resource, ['read'], 3600_000, long));
    expect(puts(f).length).toBe(before);
  });

  it('removes deny policies once their sessions are over, at the next start, leaving the rest', async () => {
    await iam.send(new PutRolePolicyCommand({ RoleName: 'reports', PolicyName: 'operators-own', PolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }));
    const grants = [await issue(f), await issue(f), await issue(f)];
    for (const g of grants) await f.provider.revoke!(g.c.lease, g.grant);
    expect(denyNames(f)).toHaveLength(3); // listed two per page: the sweep has to page

    await restartAt(f, Date.now()); // sessions still live: nothing goes
    expect(denyNames(f)).toHaveLength(3);
    await restartAt(f, Date.now() + 3600_000 + (MARGIN_S + 1) * 1000);
    expect(denyNames(f)).toEqual([]);
    expect([...f.server.rolePolicies(REPORTS_ROLE).keys()]).toEqual(['operators-own']);
  });

  it('fails retryably when IAM does, and when the role\'s inline policy quota is full', async () => {
    const a = await issue(f);
    f.server.fault('500', 'iam');
    const down = await f.provider.revoke!(a.c.lease, a.grant).then(() => null, (e: ProviderError) => e);
    expect(down).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    f.server.fault('none');

    // IAM allows 10,240 characters of inline policy per role: a few dozen revoked sessions at once.
    let full: ProviderError | null = null;
    for (let i = 0; i < 60 && !full; i++) full = await f.provider.revoke!(null, grantFor(f.resource, ['read'])).then(() => null, (e: ProviderError) => e);
    expect(full).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(full!.message).toMatch(/^IAM PutRolePolicy: LimitExceeded \(HTTP 409/);
  });

  it('stops the service at start when IAM refuses Tollgate (missing permissions)', async () => {
    f.server.fault('403', 'iam');
    const err = await restartAt(f, Date.now()).then(() => null, (e: ProviderError) => e);
    expect(err).toMatchObject({ code: 'misconfigured', retryable: false });
    expect(err!.message).toMatch(/^emergency_deny: IAM ListRolePolicies: AccessDenied \(HTTP 403/);
  });
});
