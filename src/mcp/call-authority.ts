import type { ActionClass } from '../model/action-class.ts';

/** A grant token the gateway verified: who holds it, for what, until when. */
export interface InboundGrant {
  token: string;
  grantId: string;
  agent: string;
  /** the human when the agent acts for one (the token's `sub`), else the agent */
  subject: string;
  act: unknown;
  taskId: string;
  audience: string;
  scope: string;
  /** epoch ms */
  expiresAt: number;
}

/** One tool call (or resource read, or prompt) as the gateway asks Tollgate about it. */
export interface CallQuestion {
  /** the MCP server's name in the catalog (the audit event's gateway is `mcp/{server}`) */
  server: string;
  action: ActionClass;
  /** the catalog resource of the server */
  resource: string;
  /** `tools/call:NAME`, `resources/read:URI`, `prompts/get:NAME` */
  tool: string;
  argumentsDigest: string;
  classification: string | null;
  approvalId: string | null;
}

/** Why Tollgate refused a call; `approvalId` when a human must approve it first. */
export class CallRefused extends Error {
  readonly code: string;
  readonly approvalId: string | null;
  readonly retryable: boolean;
  constructor(code: string, description: string, opts: { approvalId?: string | null; retryable?: boolean } = {}) {
    super(description);
    this.name = 'CallRefused';
    this.code = code;
    this.approvalId = opts.approvalId ?? null;
    this.retryable = opts.retryable ?? false;
  }
}

/**
 * What the MCP gateway needs of Tollgate, whether Tollgate runs in the same process (the
 * `/mcp/{server}` routes) or apart (`tollgate mcp-gateway`, over HTTP). Both answer through the
 * one per-call path (src/flows/per-call.ts): the same checks, policy, approvals and audit.
 */
export interface CallAuthority {
  /** the authorization server's issuer, named in the protected resource metadata */
  readonly issuer: string;
  /** signature, issuer, type and expiry of a grant token; null when it is not a valid one */
  verify(token: string): Promise<InboundGrant | null>;
  /** the per-call decision and the upstream credential for this call; throws CallRefused */
  redeem(grant: InboundGrant, q: CallQuestion, requestId: string): Promise<{ credential: string; expiresAt: number }>;
  /**
   * For each question, whether the grant and current policy would let the call through (perhaps
   * after a human's approval), with no side effects: nothing issued, audited or opened.
   */
  permits(grant: InboundGrant, qs: readonly Pick<CallQuestion, 'action' | 'resource' | 'classification'>[]): Promise<boolean[]>;
  /**
   * Records a call the gateway refused before asking (unclassified, outside the grant's scope,
   * malformed arguments), so every call is an audit event. Best effort where the authority is
   * remote and has no such endpoint.
   */
  refuse(grant: InboundGrant, q: { server: string; action: ActionClass | null; resource: string; tool: string; argumentsDigest: string | null; reason: string }, requestId: string): Promise<void>;
  /** whether the grant is honoured right now (a stdio upstream runs only while it is) */
  alive(grant: InboundGrant): Promise<boolean>;
  /** where a human answers approval `id` */
  approvalUrl(id: string): string;
}
