// RFC 8693 §3 token type identifiers and Tollgate's own for upstream credentials that are not
// OAuth tokens (the same values as the server's providers/token-types.ts; copied so the client
// stands alone).
export const TOKEN_TYPES = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  awsCredentials: 'urn:tollgate:token-type:aws-credentials',
  vaultToken: 'urn:tollgate:token-type:vault-token',
  secret: 'urn:tollgate:token-type:secret',
} as const;

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** A token given as is, or a function that returns a fresh one each time it is needed (workload tokens rotate). */
export type TokenInput = string | (() => string | Promise<string>);

export async function resolveToken(t: TokenInput): Promise<string> {
  return typeof t === 'string' ? t : await t();
}
