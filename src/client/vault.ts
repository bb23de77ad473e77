import { credentialSource, type CredentialSource, type CredentialSourceOptions } from './credential-source.ts';
import { TollgateError } from './errors.ts';
import { TOKEN_TYPES } from './token-types.ts';

export interface VaultTokenSource extends AsyncDisposable {
  /** a Vault token for the task's scope (send it as `X-Vault-Token`), refreshed before it expires */
  token(): Promise<string>;
  readonly source: CredentialSource;
  dispose(): Promise<void>;
}

export type VaultTokenSourceOptions = Omit<CredentialSourceOptions, 'requestedTokenType'> | { source: CredentialSource };

/** Vault tokens from Tollgate (`requested_token_type=urn:tollgate:token-type:vault-token`), on a credential source. */
export function vaultTokenSource(opts: VaultTokenSourceOptions): VaultTokenSource {
  const source = 'source' in opts ? opts.source : credentialSource({ ...opts, requestedTokenType: TOKEN_TYPES.vaultToken });
  return {
    source,
    async token() {
      const c = await source.get();
      if (c.issuedTokenType !== TOKEN_TYPES.vaultToken) throw new TollgateError('invalid_response', 'Tollgate did not answer with a Vault token');
      return c.accessToken;
    },
    dispose: () => source.dispose(),
    [Symbol.asyncDispose]: () => source.dispose(),
  };
}
