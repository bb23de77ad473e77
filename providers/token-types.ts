// RFC 8693 §3 token type identifiers, plus Tollgate's own for upstream credentials that are not OAuth tokens.
export const TOKEN_TYPE = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  awsCredentials: 'urn:tollgate:token-type:aws-credentials',
  vaultToken: 'urn:tollgate:token-type:vault-token',
  secret: 'urn:tollgate:token-type:secret',
} as const;
