import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS_ROLE } from '../providers/aws-sts-fixture.ts';
import { TOLLGATE_ACL } from '../providers/vault-fixture.ts';
import { makeKey, jwksOf, signToken, startJwksServer, type JwksServer } from '../identity/helpers.ts';
import { testIssuer, type TestIssuer } from '../support/keys.ts';
import { startFakeAws, type FakeAws } from '../upstreams/aws/server.ts';
import { REPORTS, startOAuthUpstream, type OAuthUpstream } from '../upstreams/oauth/oauth-upstream.ts';
import { startFakeVault, type FakeVault } from '../upstreams/vault/server.ts';
import { JWT_TYPE, workerHarness, type WorkerHarness } from './worker-harness.ts';

// Every provider in workerd, against the same local upstreams as the Node tests (they run here,
// in the test process; the Worker reaches them on 127.0.0.1): Vault over fetch, STS and IAM through
// the AWS SDK (SigV4 checked by the fake), oidc-provider through oauth4webapi. Upstream secrets
// reach the Worker as separate secrets named by ${NAME} in its config.
let h: WorkerHarness;
let vault: FakeVault;
let aws: FakeAws;
let oauth: OAuthUpstream;
let human: TestIssuer;
let jwks: JwksServer;
let remoteKey: Awaited<ReturnType<typeof makeKey>>;

beforeAll(async () => {
  human = await testIssuer('https://idp.example', 'idp-1');
  [vault, aws, oauth, remoteKey] = await Promise.all([
    startFakeVault({ acl: TOLLGATE_ACL }),
    startFakeAws({ roles: [{ arn: REPORTS_ROLE }] }),
    startOAuthUpstream(human, 600),
    makeKey('ES256', 'remote-1'),
  ]);
  jwks = await startJwksServer(jwksOf(remoteKey));
  const vaultToken = vault.state.createToken({ policies: ['default', 'tollgate', 'orders-read'], creationTtl: 3600, displayName: 'token-tollgate', maxTtl: 86400 }).id;
  h = await workerHarness({
    humanIssuer: human,
    vars: { VAULT_TOKEN: vaultToken, AWS_ACCESS_KEY_ID: aws.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.secretAccessKey, OAUTH_CLIENT_SECRET: oauth.clients.basic.secret },
    configPatch: (c) => {
      c.trust.issuers.push({ name: 'remote', issuer: 'https://remote-workload.example', kind: 'workload', jwks_uri: jwks.url, audiences: ['tollgate'], algorithms: ['ES256'], spiffe_trust_domains: ['example.org'] });
      Object.assign(c.providers, {
        vault: { type: 'vault', address: vault.address, timeout: 2, auth: { method: 'token', token: '${VAULT_TOKEN}' } },
        aws: {
          type: 'aws-sts',
          region: 'eu-west-1',
          endpoint: aws.url,
          credentials: { static: { access_key_id: '${AWS_ACCESS_KEY_ID}', secret_access_key: '${AWS_SECRET_ACCESS_KEY}' } },
          timeout: 2,
          emergency_deny: { enabled: true, iam_endpoint: aws.url },
        },
        reports: { type: 'oauth-exchange', issuer: oauth.issuer, client_id: oauth.clients.basic.client_id, client_auth: { method: 'client_secret_basic', secret: '${OAUTH_CLIENT_SECRET}' }, mode: 'delegation', timeout: 2 },
      });
      c.resources.push(
        { id: 'vault:orders', provider: 'vault', classification: 'confidential', actions: { read: { kind: 'token', policies: ['orders-read'] } } },
        { id: 'aws:s3:reports', provider: 'aws', classification: 'internal', actions: { read: { role_arn: REPORTS_ROLE, actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*'] } } },
        { id: 'oauth:reports', provider: 'reports', classification: 'internal', actions: { read: { scope: 'reports:read', audience: REPORTS.audience, resource: REPORTS.resource } } },
      );
    },
  });
}, 120_000);

afterAll(async () => {
  await h?.stop();
  await Promise.all([vault?.close(), aws?.close(), oauth?.close(), jwks?.close()]);
});

async function exchange(params: Record<string, string>) {
  const res = await h.exchange(params);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}
async function complete(task: string) {
  const res = await h.adminRequest(`/v1/tasks/${task}/complete`, { method: 'POST' });
  expect(res.status).toBe(200);
  return (await res.json()).revoked as { grant_id: string; status: string }[];
}
/** Asks the local Vault's own memory: created tokens carry no default policy, so they cannot look themselves up. */
const vaultTokenLive = async (token: string) => vault.state.lookup(token) !== null;

describe('providers in workerd', () => {
  it('vault: a token with exactly the resource policies, revoked in Vault when the task ends', async () => {
    const body = await exchange({ subject_token: await h.agentToken(), scope: 'vault:orders:read', requested_token_type: 'urn:tollgate:token-type:vault-token', task_id: 'task-v1' });
    expect(await vaultTokenLive(body.access_token)).toBe(true);
    expect([...vault.state.tokens.values()].find((t) => t.id === body.access_token)?.policies).toEqual(['orders-read']);
    expect(await complete('task-v1')).toEqual([{ grant_id: body.grant_id, status: 'revoked' }]);
    expect(await vaultTokenLive(body.access_token)).toBe(false);
  });

  it('vault: an upstream failure at revocation leaves a job the Cron Trigger finishes', async () => {
    const body = await exchange({ subject_token: await h.agentToken(), scope: 'vault:orders:read', requested_token_type: 'urn:tollgate:token-type:vault-token', task_id: 'task-v2' });
    vault.fault(500);
    expect(await complete('task-v2')).toEqual([expect.objectContaining({ grant_id: body.grant_id, status: 'pending' })]);
    expect(await vaultTokenLive(body.access_token)).toBe(true);
    vault.fault('none');
    // The job's backoff is about a second: run the cron until it is due and done.
    for (let i = 0; i < 40 && (await vaultTokenLive(body.access_token)); i++) {
      await new Promise((r) => setTimeout(r, 250));
      await h.worker.scheduled();
    }
    expect(await vaultTokenLive(body.access_token)).toBe(false);
  });

  it('aws-sts: SigV4-signed AssumeRole through the AWS SDK, and an emergency deny on revocation', async () => {
    const body = await exchange({ subject_token: await h.agentToken(), scope: 'aws:s3:reports:read', requested_token_type: 'urn:tollgate:token-type:aws-credentials', requested_ttl: '900', task_id: 'task-a1' });
    expect(body.credential).toMatchObject({ access_key_id: expect.any(String), secret_access_key: expect.any(String), session_token: expect.any(String) });
    const session = aws.session(body.credential.access_key_id);
    expect(session?.role.arn).toBe(REPORTS_ROLE);
    expect(aws.isDenied(body.credential.access_key_id)).toBe(false);
    expect(await complete('task-a1')).toEqual([expect.objectContaining({ grant_id: body.grant_id, status: 'revoked' })]);
    expect(aws.isDenied(body.credential.access_key_id)).toBe(true);
  });

  it("oauth-exchange: the human's token exchanged at the upstream (RFC 8693), revoked there (RFC 7009)", async () => {
    const body = await exchange({
      subject_token: await human.mint('alice'),
      actor_token: await h.agentToken(),
      actor_token_type: JWT_TYPE,
      scope: 'oauth:reports:read',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      task_id: 'task-o1',
    });
    const upstream = await oauth.introspect(body.access_token);
    expect(upstream).toMatchObject({ active: true, scope: 'reports:read' });
    expect(await complete('task-o1')).toEqual([{ grant_id: body.grant_id, status: 'revoked' }]);
    expect((await oauth.introspect(body.access_token)).active).toBe(false);
  });

  it('identity from a jwks_uri: fetched by the Worker, then served from its cache', async () => {
    const token = await signToken(remoteKey, { iss: 'https://remote-workload.example', sub: 'spiffe://example.org/agent/remote', aud: 'tollgate', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 });
    await exchange({ subject_token: token, scope: 'demo:reports:read', task_id: 'task-j1' });
    await exchange({ subject_token: token, scope: 'demo:reports:read', task_id: 'task-j2' });
    expect(jwks.requests()).toBe(1);
  });
});
