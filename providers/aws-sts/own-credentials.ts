import { readFile } from 'node:fs/promises';
import { AssumeRoleWithWebIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { ProviderError } from '../provider.ts';
import { fromAwsError } from './aws-errors.ts';
import type { AwsStsConfig } from './config.ts';

type CredentialSource = NonNullable<STSClientConfig['credentials']>;

export interface OwnCredentials {
  /** undefined: the SDK's default chain */
  credentials: CredentialSource | undefined;
  close(): void;
}

/**
 * Tollgate's own AWS identity, the one that calls AssumeRole (and IAM for emergency deny). A
 * function source is cached by each SDK client and called again five minutes before its
 * `expiration`, so web-identity credentials renew themselves.
 */
export function ownCredentials(cfg: Pick<AwsStsConfig, 'credentials' | 'region' | 'timeout'> & { endpoint?: string | undefined }): OwnCredentials {
  const c = cfg.credentials;
  if (c === 'default') return { credentials: undefined, close() {} };
  if ('static' in c) return { credentials: { accessKeyId: c.static.access_key_id, secretAccessKey: c.static.secret_access_key }, close() {} };

  const { role_arn: roleArn, token_file: tokenFile } = c.web_identity;
  // AssumeRoleWithWebIdentity is unsigned: this client needs no credentials of its own.
  const sts = new STSClient({ region: cfg.region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}) });
  const credentials: CredentialSource = async () => {
    // Read on every renewal: platforms (EKS, GitHub Actions) rotate the projected token file.
    const token = await readFile(tokenFile, 'utf8').catch(() => {
      throw new ProviderError('misconfigured', 'credentials.web_identity.token_file cannot be read', false);
    });
    const out = await sts
      .send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'tollgate', WebIdentityToken: token.trim() }), { abortSignal: AbortSignal.timeout(cfg.timeout * 1000) })
      .catch((e: unknown) => {
        throw fromAwsError(e, 'STS AssumeRoleWithWebIdentity');
      });
    const k = out.Credentials;
    if (!k?.AccessKeyId || !k.SecretAccessKey || !k.SessionToken || !k.Expiration)
      throw new ProviderError('upstream_unavailable', 'STS AssumeRoleWithWebIdentity answered without credentials', true);
    return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, sessionToken: k.SessionToken, expiration: k.Expiration };
  };
  return { credentials, close: () => sts.destroy() };
}
