export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523 §2.1: a workload's JWT as `assertion` (MCP workload identity federation). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const SUPPORTED_GRANT_TYPES = [TOKEN_EXCHANGE_GRANT, JWT_BEARER_GRANT] as const;

/** The validated parameters of an RFC 8693 request. */
export interface ExchangeRequest {
  /** which grant carried the request: the flow is the same, only the input's name and error codes differ */
  grantType: (typeof SUPPORTED_GRANT_TYPES)[number];
  subjectToken: string;
  actorToken: string | null;
  scope: string | undefined;
  resource: string | undefined;
  requestedTokenType: string;
  taskId: string;
  intent: string;
  requestedTtl: number | null;
  approvalId: string | null;
}
