import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, ResourceConfig } from '../../src/config/schema.ts';
import { buildProviders } from '../../providers/build-providers.ts';
import { awsStsProviderFactory } from '../../providers/aws-sts/index.ts';
import { ProviderError } from '../../providers/provider.ts';
import { startFakeAws, type FakeAws } from '../upstreams/aws/server.ts';
import { fixtureConfig, REPORTS_ROLE, testContext } from './aws-sts-fixture.ts';
import { grantFor } from './fixture.ts';

// A catalog or provider section AWS would refuse stops Tollgate at start, naming the field.

const statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' };
const read = (settings: unknown): ResourceConfig['actions'] => ({ read: settings as Record<string, unknown> });

const badCatalogs: [string, ResourceConfig['actions'], RegExp][] = [
  ['a role ARN of the wrong form', read({ role_arn: 'arn:aws:iam::12345:role/reports', policy: { Statement: [statement] } }), /^actions\.read\.role_arn: expected a role ARN/],
  ['a user ARN for a role', read({ role_arn: 'arn:aws:iam::123456789012:user/reports', policy: { Statement: [statement] } }), /^actions\.read\.role_arn: expected a role ARN/],
  ['actions naming different roles', { read: { role_arn: REPORTS_ROLE, policy: { Statement: [statement] } }, write: { role_arn: 'arn:aws:iam::123456789012:role/other', actions: ['s3:PutObject'], resources: ['*'] } }, /^actions\.write\.role_arn: every action of a resource must name the same role/],
  ['no session policy', read({ role_arn: REPORTS_ROLE }), /^actions\.read: give either policy .* or actions with resources$/],
  ['both forms at once', read({ role_arn: REPORTS_ROLE, policy: { Statement: [statement] }, actions: ['s3:GetObject'], resources: ['*'] }), /^actions\.read: give either policy/],
  ['a statement with a Principal', read({ role_arn: REPORTS_ROLE, policy: { Statement: [{ ...statement, Principal: '*' }] } }), /^actions\.read\.policy\.Statement\[0\]: /],
  ['a statement without Resource', read({ role_arn: REPORTS_ROLE, policy: { Statement: [{ Effect: 'Allow', Action: '*' }] } }), /^actions\.read\.policy\.Statement\[0\]: give exactly one of Resource, NotResource$/],
  ['an old policy Version', read({ role_arn: REPORTS_ROLE, policy: { Version: '2008-10-17', Statement: [statement] } }), /^actions\.read\.policy\.Version: /],
  ['a template too large on its own', read({ role_arn: REPORTS_ROLE, actions: ['s3:GetObject'], resources: Array.from({ length: 60 }, (_, i) => `arn:aws:s3:::reports/${'x'.repeat(30)}/${i}`) }), /^actions\.read: session policy is \d+ characters on its own; AWS allows 2048$/],
  ['characters AWS refuses in a policy', read({ role_arn: REPORTS_ROLE, actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/報告/*'] }), /^actions\.read: session policies may hold only characters U\+0020 to U\+00FF/],
  ['one Sid on two different statements', { read: { role_arn: REPORTS_ROLE, policy: { Statement: [{ Sid: 'S3', ...statement }] } }, write: { role_arn: REPORTS_ROLE, policy: { Statement: [{ Sid: 'S3', ...statement, Action: 's3:PutObject' }] } } }, /^actions: two different statements share Sid S3/],
];

describe('aws-sts: checks at start', () => {
  let server: FakeAws;
  beforeAll(async () => {
    server = await startFakeAws({ roles: [{ arn: REPORTS_ROLE }] });
  });
  afterAll(() => server.close());

  it.each(badCatalogs)('refuses %s', async (_case, actions, message) => {
    const provider = await awsStsProviderFactory('aws', fixtureConfig(server), testContext().ctx);
    let err: unknown;
    try {
      provider.checkResource!({ id: 'aws:s3:reports', provider: 'aws', classification: 'internal', actions });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'misconfigured', retryable: false });
    expect((err as Error).message).toMatch(message);
  });

  it('accepts the same statement under one Sid in two actions, sending it once', async () => {
    const provider = await awsStsProviderFactory('aws', fixtureConfig(server), testContext().ctx);
    const shared = { role_arn: REPORTS_ROLE, policy: { Statement: [{ Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::reports' }] } };
    const resource: ResourceConfig = { id: 'aws:s3:reports', provider: 'aws', classification: 'internal', actions: { read: shared, write: shared } };
    provider.checkResource!(resource);
    const grant = grantFor(resource, ['read', 'write'], 3600_000);
    await provider.issue({ grant, resource, actions: grant.actions, expiresAt: grant.expires_at, signal: AbortSignal.timeout(10_000), subjectToken: null });
    expect(JSON.parse(server.calls.at(-1)!.params.Policy!).Statement).toHaveLength(1);
    await provider.stop!();
  });

  it('names the resource and field when Tollgate builds its providers', async () => {
    const config = {
      providers: { aws: fixtureConfig(server) },
      resources: [{ id: 'aws:s3:reports', provider: 'aws', classification: 'internal', actions: read({ role_arn: 'arn:aws:iam::123456789012:role/', actions: ['s3:GetObject'], resources: ['*'] }) }],
    } as unknown as Config;
    await expect(buildProviders(config, testContext().ctx, { 'aws-sts': awsStsProviderFactory })).rejects.toThrow(/^resources\[0\]: actions\.read\.role_arn: expected a role ARN/);
  });

  it.each([
    ['a region that is not one', { region: 'europe' }, /^providers\.aws\.region: expected an AWS region/],
    ['an endpoint that is not a URL', { endpoint: 'sts.local' }, /^providers\.aws\.endpoint: /],
    ['a session longer than STS allows', { max_session_duration: '13h' }, /^providers\.aws\.max_session_duration: expected a duration between 900 and 43200 seconds$/],
    ['credentials of an unknown kind', { credentials: { profile: 'dev' } }, /^providers\.aws\.credentials: /],
  ])('refuses a provider section with %s', async (_case, patch, message) => {
    const config = { providers: { aws: { ...fixtureConfig(server), ...patch } }, resources: [] } as unknown as Config;
    await expect(buildProviders(config, testContext().ctx, { 'aws-sts': awsStsProviderFactory })).rejects.toThrow(message);
  });
});
