import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ResourceConfig } from '../../src/config/schema.ts';
import type { ActionClass } from '../../src/model/action-class.ts';
import type { Keyring } from '../../src/keys/keyring.ts';
import { createLogger } from '../../src/log.ts';
import type { ProviderContext } from '../../providers/build-providers.ts';
import type { IssuedCredential, Provider } from '../../providers/provider.ts';
import { awsStsProviderFactory } from '../../providers/aws-sts/index.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { startFakeAws, type AwsFault, type FakeAws, type FakeAwsOptions } from '../upstreams/aws/server.ts';
import type { ContractFixture, Fault } from './fixture.ts';

// The aws-sts provider built by its factory, as Tollgate builds it (parse, checkResource, start),
// against the local STS/IAM with static test keys. Free of vitest, so the benchmark can use it.

export const REPORTS_ROLE = 'arn:aws:iam::123456789012:role/reports';
/** the role Tollgate itself assumes when its credentials come from a web identity */
export const TOLLGATE_ROLE = 'arn:aws:iam::123456789012:role/tollgate';
/** what the fixture's provider config sets as `timeout` */
export const TIMEOUT_S = 2;

/** A catalog resource: read as a full policy document, write in the actions/resources shorthand. */
export function reportsResource(provider = 'aws-contract'): ResourceConfig {
  return {
    id: 'aws:s3:reports',
    provider,
    classification: 'internal',
    actions: {
      read: {
        role_arn: REPORTS_ROLE,
        policy: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'ReadReports', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'] }],
        },
      },
      write: { role_arn: REPORTS_ROLE, actions: ['s3:PutObject'], resources: ['arn:aws:s3:::reports/*'] },
    },
  };
}

export interface AwsStsFixtureOptions {
  emergencyDeny?: boolean;
  /** provider config fields laid over the fixture's */
  config?: Record<string, unknown>;
  server?: FakeAwsOptions;
  resource?: ResourceConfig;
  actions?: ActionClass[];
  /** the provider's clock (the fake AWS keeps real time) */
  now?: () => number;
}

export interface AwsStsFixture extends ContractFixture {
  server: FakeAws;
  /** the provider's config section as written, to build another instance (a restart) */
  rawConfig: Record<string, unknown>;
}

/** A ProviderContext whose log lines land in `lines`; what aws-sts does not use is a dummy. */
export function testContext(now: () => number = Date.now): { ctx: ProviderContext; lines: string[] } {
  const lines: string[] = [];
  const ctx: ProviderContext = {
    keyring: {} as Keyring,
    sealKey: null,
    issuer: 'https://tollgate.test',
    grantTokenAudience: 'tollgate',
    log: createLogger((line) => lines.push(line), 'debug'),
    now,
  };
  return { ctx, lines };
}

export function fixtureConfig(server: FakeAws, opts: AwsStsFixtureOptions = {}): Record<string, unknown> {
  return {
    type: 'aws-sts',
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { static: { access_key_id: server.accessKeyId, secret_access_key: server.secretAccessKey } },
    timeout: TIMEOUT_S,
    ...(opts.emergencyDeny ? { emergency_deny: { enabled: true, iam_endpoint: server.url } } : {}),
    ...opts.config,
  };
}

const FAULTS: Record<Fault, AwsFault> = { none: 'none', timeout: 'hang', '5xx': '500', '4xx': '403' };

export async function setupAwsStsFixture(opts: AwsStsFixtureOptions = {}): Promise<AwsStsFixture> {
  const server = await startFakeAws({ roles: [{ arn: REPORTS_ROLE }, { arn: TOLLGATE_ROLE }], ...opts.server });
  const resource = opts.resource ?? reportsResource();
  const rawConfig = fixtureConfig(server, opts);
  const { ctx, lines } = testContext(opts.now);
  let provider: Provider;
  try {
    provider = await awsStsProviderFactory(resource.provider, rawConfig, ctx);
    provider.checkResource?.(resource);
    await provider.start?.();
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    provider,
    server,
    rawConfig,
    resource,
    actions: opts.actions ?? ['read'],
    requestedTokenType: TOKEN_TYPE.awsCredentials,
    fault: (kind) => server.fault(FAULTS[kind]),
    secrets: () => [server.secretAccessKey, server.accessKeyId],
    logs: () => lines,
    isLive: (issued) => isLive(server, issued),
    async teardown() {
      await provider.stop?.();
      await server.close();
    },
  };
}

/**
 * The issued keys still sign requests STS accepts (GetCallerIdentity), and no deny on the role
 * shuts the session out. Real AWS never denies GetCallerIdentity, so the fake is asked about the
 * deny directly, as IAM would decide it for any other action.
 */
async function isLive(server: FakeAws, issued: IssuedCredential): Promise<boolean> {
  const k = issued.credential!;
  const sts = new STSClient({ region: 'eu-west-1', endpoint: server.url, credentials: { accessKeyId: k.access_key_id!, secretAccessKey: k.secret_access_key!, sessionToken: k.session_token! } });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return !server.isDenied(k.access_key_id!);
  } catch {
    return false;
  } finally {
    sts.destroy();
  }
}
