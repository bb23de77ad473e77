// Tollgate's client SDK: Web APIs only (fetch, URL, AbortSignal, Web Crypto), every network call
// through an injectable `fetch`. Runs on Node 22.18+, Workers, Deno, Bun and browsers.
export { TollgateError, isAuthorizationPending, isTollgateError, type TollgateErrorCode } from './errors.ts';
export type { Fetch } from './http.ts';
export { TOKEN_TYPES, type TokenInput } from './token-types.ts';
export { exchange, type ExchangeBehaviour, type ExchangeOptions, type ExchangeResult } from './exchange.ts';
export type { WaitForApproval } from './wait-for-approval.ts';
export { completeTask, type CompleteTaskOptions, type CompleteTaskResult, type TaskReceipt } from './complete-task.ts';
export { credentialSource, type Credential, type CredentialSource, type CredentialSourceOptions } from './credential-source.ts';
export { fromTollgate, type AwsCredentialIdentity, type FromTollgateOptions, type TollgateAwsCredentials } from './aws.ts';
export { vaultTokenSource, type VaultTokenSource, type VaultTokenSourceOptions } from './vault.ts';
export { redeemCredential, type ActionClass, type RedeemOptions, type RedeemResult } from './redeem.ts';
export { sha256Digest } from './digest.ts';
export {
  tollgateGateway,
  type GatewayCredential,
  type TollgateGatewayEnv,
  type TollgateGatewayOptions,
  type TollgateGatewayVariables,
} from './hono-gateway.ts';
export { workloadAuthProvider, type WorkloadAuthOptions } from './mcp-auth.ts';
