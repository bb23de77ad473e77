import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { ResourceConfig } from '../../src/config/schema.ts';
import { awsStsProviderFactory } from '../../providers/aws-sts/index.ts';
import type { IssuedCredential } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { testContext } from './aws-sts-fixture.ts';
import { grantFor, providerContract, type ContractFixture } from './contract.ts';

// Opt-in: the provider contract against real AWS STS, with Tollgate's credentials from the SDK's
// default chain (environment, ~/.aws, SSO, instance role). Registered only when
//   TOLLGATE_TEST_AWS_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME   (TOLLGATE_TEST_AWS_REGION, default us-east-1)
// is set. That role needs:
//   - a trust policy letting the default chain's identity do sts:AssumeRole, sts:TagSession and
//     sts:SetSourceIdentity (and that identity's own session must carry no SourceIdentity);
//   - MaxSessionDuration of at least 3600 (the default); no permissions of its own — the session
//     policy below only needs to be valid, and GetCallerIdentity needs none.
// With TOLLGATE_TEST_AWS_EMERGENCY_DENY=1 as well, the default chain's identity also needs
// iam:PutRolePolicy, iam:GetRolePolicy, iam:ListRolePolicies and iam:DeleteRolePolicy on the role:
// the test checks that IAM accepts the deny policy Tollgate writes, then deletes it.
// Faults cannot be injected into AWS, so the contract runs without its fault cases. Deny
// policies the contract's revocations leave behind are swept by a later run's start, once their
// sessions are over.

const roleArn = process.env.TOLLGATE_TEST_AWS_ROLE_ARN;
const region = process.env.TOLLGATE_TEST_AWS_REGION ?? 'us-east-1';
const withDeny = process.env.TOLLGATE_TEST_AWS_EMERGENCY_DENY === '1';

const realConfig = () => ({ type: 'aws-sts', region, credentials: 'default', ...(withDeny ? { emergency_deny: { enabled: true } } : {}) });
const realResource = (arn: string): ResourceConfig => ({
  id: 'aws:real:test',
  provider: 'aws-real',
  classification: 'internal',
  actions: { read: { role_arn: arn, actions: ['s3:ListAllMyBuckets'], resources: ['*'] } },
});

// Runs without AWS too: the opt-in run's provider section and catalog stay ones Tollgate accepts.
it('the real-AWS run uses a provider section and catalog that Tollgate accepts', async () => {
  const provider = await awsStsProviderFactory('aws-real', realConfig(), testContext().ctx);
  try {
    expect(provider.type).toBe('aws-sts');
    expect(() => provider.checkResource!(realResource(roleArn ?? 'arn:aws:iam::123456789012:role/tollgate-test'))).not.toThrow();
    // ...and the check is live: the same catalog entry with a malformed role is refused, naming the field.
    expect(() => provider.checkResource!(realResource('arn:aws:iam::12:role/x'))).toThrow(/actions\.read\.role_arn/);
  } finally {
    await provider.stop!();
  }
});

if (roleArn) {
  const setup = async (): Promise<ContractFixture> => {
    const { ctx, lines } = testContext();
    const resource = realResource(roleArn);
    const provider = await awsStsProviderFactory(resource.provider, realConfig(), ctx);
    provider.checkResource!(resource);
    await provider.start!();
    return {
      provider,
      resource,
      actions: ['read'],
      requestedTokenType: TOKEN_TYPE.awsCredentials,
      fault: () => {},
      secrets: () => [process.env.AWS_SECRET_ACCESS_KEY ?? '', process.env.AWS_SESSION_TOKEN ?? ''],
      logs: () => lines,
      // A denied session still passes GetCallerIdentity, so liveness says nothing about a revoke.
      ...(withDeny ? {} : { isLive }),
      teardown: () => provider.stop!(),
    };
  };

  providerContract({ name: 'aws-sts (real AWS)', revocable: withDeny, hasUpstream: false, setup });

  if (withDeny) {
    describe('aws-sts emergency_deny (real IAM)', () => {
      it('writes a deny policy IAM accepts, named for the session', async () => {
        const f = await setup();
        const iam = new IAMClient({ region });
        const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
        try {
          const grant = grantFor(f.resource, ['read'], 3600_000);
          const c = await f.provider.issue({ grant, resource: f.resource, actions: ['read'], expiresAt: grant.expires_at, signal: AbortSignal.timeout(30_000), subjectToken: null });
          await f.provider.revoke!(c.lease, grant);
          const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
          const name = names.find((n) => n.endsWith(`-${grant.id}`));
          expect(name).toMatch(/^tollgate-deny-\d+-grt_/);
          const doc = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name! }))).PolicyDocument!));
          expect(doc.Statement[0].Condition.StringLike['aws:userid']).toBe(`*:${grant.id}`);
          await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name! }));
        } finally {
          iam.destroy();
          await f.teardown();
        }
      }, 60_000);
    });
  }
}

/** The keys sign requests AWS accepts. (GetCallerIdentity is never denied, even to a denied session.) */
async function isLive(issued: IssuedCredential): Promise<boolean> {
  const k = issued.credential!;
  const sts = new STSClient({ region, credentials: { accessKeyId: k.access_key_id!, secretAccessKey: k.secret_access_key!, sessionToken: k.session_token! } });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    sts.destroy();
  }
}
