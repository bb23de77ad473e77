import type { ActionClass } from '../src/model/action-class.ts';
import type { Grant } from '../src/model/grant.ts';
import type { ResourceConfig } from '../src/config/schema.ts';

export interface IssueRequest {
  grant: Grant;
  resource: ResourceConfig;
  actions: ActionClass[];
  /** epoch ms; the credential must not outlive it */
  expiresAt: number;
  signal: AbortSignal;
  /**
   * The human's own token when this exchange acts for one (the RFC 8693 subject_token as
   * received), for upstreams that exchange it in turn. Never stored; null otherwise.
   */
  subjectToken: string | null;
}

/** What a provider minted. `expiresAt` is what the upstream really granted (it may be sooner than asked). */
export interface IssuedCredential {
  /** the bearer value handed to the caller as `access_token` */
  token: string;
  issuedTokenType: string;
  expiresAt: number;
  /** the handle `revoke` needs later; null when there is nothing upstream to revoke */
  lease: string | null;
  /** for credentials that are not one bearer token (e.g. AWS keys) */
  credential?: Record<string, string>;
}

/**
 * upstream_unavailable: try again later (503). upstream_refused: the upstream said no (500, no details).
 * misconfigured: Tollgate's own setup is wrong. scope_too_large: the scope cannot be expressed
 * upstream (invalid_scope). ttl_too_short: the upstream cannot issue as short as the grant
 * (invalid_request: the caller can ask for a longer TTL).
 */
export type ProviderErrorCode = 'upstream_unavailable' | 'upstream_refused' | 'misconfigured' | 'scope_too_large' | 'ttl_too_short';

/** `retryable` tells the caller whether trying again can help, without parsing messages. Messages never hold secrets. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly retryable: boolean;
  constructor(code: ProviderErrorCode, message: string, retryable: boolean) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

export interface Provider {
  readonly name: string;
  readonly type: string;
  /** token types this provider can hand out as the upstream credential itself */
  readonly upstreamTokenTypes: readonly string[];
  /**
   * Checks a catalog resource's per-action settings (`resource.actions[class]`) at start, so a
   * bad catalog stops the service instead of failing a request. Throws ProviderError
   * ('misconfigured') whose message names the bad field.
   */
  checkResource?(resource: ResourceConfig): void;
  /** Connects and authenticates at start (e.g. Vault login, OAuth discovery); throws ProviderError. */
  start?(): Promise<void>;
  /** Stops background work (token renewal timers) at shutdown. */
  stop?(): Promise<void>;
  /**
   * True when what this provider hands out for `resourceId` never expires upstream (a static
   * secret): revoking a grant cannot take it back, and the receipt says to rotate it.
   */
  isStatic?(resourceId: string): boolean;
  /** Said on a `revoked` receipt of this provider, when the upstream's revocation is not instant. */
  readonly revocationNote?: string;
  /**
   * True when issuing needs the human's own token (`IssueRequest.subjectToken`): the exchange is
   * then refused up front (invalid_request) when there is none, before anything is recorded.
   */
  readonly needsSubjectToken?: boolean;
  issue(req: IssueRequest): Promise<IssuedCredential>;
  /**
   * Idempotent: revoking what is already gone (or was never created) succeeds.
   * Absent when credentials of this provider cannot be revoked and simply expire.
   * `lease` is null when the process stopped before the provider reported one.
   */
  revoke?(lease: string | null, grant: Grant): Promise<void>;
}
