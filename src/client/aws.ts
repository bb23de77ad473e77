import { credentialSource, type CredentialSource, type CredentialSourceOptions } from './credential-source.ts';
import { TollgateError } from './errors.ts';
import { TOKEN_TYPES } from './token-types.ts';

/** The shape of the AWS SDK v3's `AwsCredentialIdentity` (declared here so the client needs no AWS package). */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** An AWS SDK v3 credential provider (`AwsCredentialIdentityProvider`) that also ends its task. */
export interface TollgateAwsCredentials extends AsyncDisposable {
  (): Promise<AwsCredentialIdentity>;
  readonly source: CredentialSource;
  dispose(): Promise<void>;
}

export type FromTollgateOptions = Omit<CredentialSourceOptions, 'requestedTokenType'> | { source: CredentialSource };

/**
 * `credentials: fromTollgate({...})` for any AWS SDK v3 client: STS credentials for the task's
 * scope, exchanged with `requested_token_type=urn:tollgate:token-type:aws-credentials`. The SDK
 * asks again as `expiration` nears; the credential source answers from its cache until its own
 * refresh point, so SDK and source agree on one credential at a time.
 */
export function fromTollgate(opts: FromTollgateOptions): TollgateAwsCredentials {
  const source = 'source' in opts ? opts.source : credentialSource({ ...opts, requestedTokenType: TOKEN_TYPES.awsCredentials });
  const provider = async (): Promise<AwsCredentialIdentity> => {
    const c = await source.get();
    const k = c.credential;
    if (c.issuedTokenType !== TOKEN_TYPES.awsCredentials || !k?.access_key_id || !k.secret_access_key || !k.session_token)
      throw new TollgateError('invalid_response', 'Tollgate did not answer with AWS credentials');
    return { accessKeyId: k.access_key_id, secretAccessKey: k.secret_access_key, sessionToken: k.session_token, expiration: new Date(c.expiresAt) };
  };
  return Object.assign(provider, {
    source,
    dispose: () => source.dispose(),
    [Symbol.asyncDispose]: () => source.dispose(),
  });
}
