import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromTollgate, TollgateError, type TollgateAwsCredentials } from 'tollgate/client';
import { exchangeHarness } from '../providers/fixture.ts';
import { REPORTS_ROLE, setupAwsStsFixture, type AwsStsFixture } from '../providers/aws-sts-fixture.ts';
import type { Harness } from '../support/harness.ts';
import { blockAgent, grantsOfTask, listen, testClock, type Served } from './served.ts';

// fromTollgate() as the credentials of a real AWS SDK v3 STSClient, against the local STS that
// issued the session (AssumeRole by Tollgate's aws-sts provider) and checks every call's SigV4
// signature with that session's keys.
describe('tollgate/client fromTollgate(): AWS SDK v3 credentials', () => {
  let f: AwsStsFixture;
  let h: Harness;
  let server: Served;
  let clock: ReturnType<typeof testClock>;
  const clients: STSClient[] = [];
  const sts = (credentials: STSClient['config']['credentials'] | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
    const c = new STSClient({ region: 'eu-west-1', endpoint: f.server.url, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const creds = (opts: { taskId?: string; requestedTtl?: number } = {}): TollgateAwsCredentials =>
    fromTollgate({ url: server.url, subjectToken: () => h.agentToken(), scope: 'aws:s3:reports:read', taskId: opts.taskId ?? 't-aws', requestedTtl: opts.requestedTtl ?? 900, now: clock.now });
  const whoAmI = async (c: STSClient) => (await c.send(new GetCallerIdentityCommand({}))).Arn;

  beforeEach(async () => {
    f = await setupAwsStsFixture();
    h = await exchangeHarness(f);
    server = await listen(h.app);
    clock = testClock();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server.close();
    await h.deps.store.close();
    await f.teardown();
  });

  it('a real STSClient signs GetCallerIdentity with the session Tollgate had STS issue for the grant', async () => {
    const provider = creds();
    const arn = await whoAmI(sts(provider));
    const c = await provider.source.get();
    expect(arn).toBe(`arn:aws:sts::123456789012:assumed-role/${REPORTS_ROLE.split('/')[1]}/${c.grantId}`);
    const call = f.server.calls.at(-1)!;
    expect(call).toMatchObject({ service: 'sts', action: 'GetCallerIdentity', status: 200, caller: c.credential!.access_key_id });
    expect(f.server.session(c.credential!.access_key_id!)?.sessionName).toBe(c.grantId);
    const identity = await provider();
    expect(identity.expiration).toEqual(new Date(c.expiresAt));
    await provider.dispose();
  });

  it('the local STS refuses unknown and expired credentials', async () => {
    await expect(whoAmI(sts({ accessKeyId: 'ASIAUNKNOWN000000000', secretAccessKey: 'x'.repeat(40), sessionToken: 'nope' }))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    const provider = creds();
    const identity = await provider();
    await expect(whoAmI(sts(identity))).resolves.toContain('assumed-role/reports/');
    await expect(whoAmI(sts({ ...identity, secretAccessKey: identity.secretAccessKey.slice(1) + 'A' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    f.server.expire(identity.accessKeyId);
    await expect(whoAmI(sts(identity))).rejects.toMatchObject({ name: 'ExpiredToken' });
    await provider.dispose();
  });

  it("the SDK asks again as expiration nears; the source answers from cache until its own refresh point, then a new grant's session signs", async () => {
    // A 60 s grant: STS's session lasts its 900 s minimum, but the SDK is told the grant's end.
    const provider = creds({ requestedTtl: 60 });
    const client = sts(provider);
    const first = await provider.source.get();
    expect(first.expiresAt).toBe(clock.t + 60_000);
    expect(await whoAmI(client)).toMatch(new RegExp(`/${first.grantId}$`));
    clock.advance(29_999);
    expect(await whoAmI(client)).toMatch(new RegExp(`/${first.grantId}$`));
    clock.advance(1);
    const arn = await whoAmI(client);
    const second = await provider.source.get();
    expect(second.grantId).not.toBe(first.grantId);
    expect(arn).toMatch(new RegExp(`/${second.grantId}$`));
    expect((await grantsOfTask(h, 't-aws')).map((g) => g.id).sort()).toEqual([first.grantId, second.grantId].sort());
    await provider.dispose();
  });

  it('once the agent is blocked, the next fresh credential request fails the SDK call with the TollgateError', async () => {
    const provider = creds({ requestedTtl: 60 });
    const client = sts(provider);
    await whoAmI(client);
    await blockAgent(h, 'spiffe://example.org/agent/demo');
    clock.advance(30_000);
    const e = await whoAmI(client).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TollgateError);
    expect(e).toMatchObject({ code: 'access_denied', status: 403 });
    await provider.dispose();
  });

  it('once the task is completed elsewhere (an admin), the next fresh credential request fails with access_denied', async () => {
    const provider = creds({ requestedTtl: 60, taskId: 't-aws-closed' });
    const client = sts(provider);
    await whoAmI(client);
    const done = await h.adminRequest('/v1/tasks/t-aws-closed/complete', { method: 'POST' });
    expect(done.status).toBe(200);
    clock.advance(30_000);
    const e = await whoAmI(client).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TollgateError);
    expect(e).toMatchObject({ code: 'access_denied', status: 403 });
    await provider.dispose();
  });

  it('dispose() completes the task: its grants are revoked and the SDK gets no more credentials', async () => {
    const provider = creds({ requestedTtl: 60, taskId: 't-aws-done' });
    const client = sts(provider);
    await whoAmI(client);
    await provider.dispose();
    expect((await grantsOfTask(h, 't-aws-done')).map((g) => g.status)).toEqual(['revoked']);
    await expect(whoAmI(client)).rejects.toMatchObject({ name: 'TollgateError', code: 'disposed' });
  });
});
