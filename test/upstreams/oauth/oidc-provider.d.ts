// oidc-provider ships no type declarations; these cover only what the test upstream uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OIDCClient {
    readonly clientId: string;
    /** the scopes registered for the client, space-separated */
    readonly scope?: string;
  }

  /** The Koa context of a token endpoint request, as a grant handler sees it. */
  export interface GrantContext {
    oidc: { params: Record<string, string | undefined>; client: OIDCClient };
    body: unknown;
  }

  export interface AccessToken {
    readonly scope?: string;
    /** seconds to live, from the `ttl.AccessToken` configuration */
    readonly expiration: number;
    setAudience(audience: string): void;
    /** stores the token; resolves to its value */
    save(): Promise<string>;
  }

  /** What oidc-provider stores per token; the adapter keeps it as given. */
  export type ModelPayload = Record<string, unknown>;

  export interface Adapter {
    upsert(id: string, payload: ModelPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<ModelPayload | undefined>;
    destroy(id: string): Promise<void>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly AccessToken: new (init: { accountId: string; client: OIDCClient; scope?: string; gty?: string }) => AccessToken;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    registerGrantType(name: string, handler: (ctx: GrantContext) => Promise<void>, params?: readonly string[]): void;
    on(event: 'access_token.saved' | 'client_credentials.saved', listener: (token: { jti: string }) => void): this;
  }

  type OAuthErrorClass = new (description?: string) => Error;
  export const errors: {
    InvalidGrant: OAuthErrorClass;
    InvalidRequest: OAuthErrorClass;
    InvalidScope: OAuthErrorClass;
    InvalidTarget: OAuthErrorClass;
  };
}
