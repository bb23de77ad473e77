import { z } from 'zod';
import { TOKEN_TYPE } from '../token-types.ts';
import { ENDPOINT_RULE, isAllowedEndpoint } from './loopback.ts';

const endpoint = z.string().url().refine(isAllowedEndpoint, ENDPOINT_RULE);

/** How Tollgate authenticates to the upstream's token and revocation endpoints (RFC 6749 §2.3, RFC 7523). */
const clientAuth = z.discriminatedUnion('method', [
  z.object({ method: z.literal('client_secret_basic'), secret: z.string().min(1) }).strict(),
  z.object({ method: z.literal('client_secret_post'), secret: z.string().min(1) }).strict(),
  z
    .object({
      method: z.literal('private_key_jwt'),
      /** the private JWK as JSON text (e.g. from ${ENV}); its `kid`, when present, goes in the assertion header */
      private_jwk: z.string().min(2).max(16_384),
      /** defaults to the JWK's `alg`, else RS256 / ES256 / ES384 / ES512 / EdDSA by key type */
      alg: z.enum(['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA']).optional(),
    })
    .strict(),
  z.object({ method: z.literal('none') }).strict(),
]);

export const oauthExchangeConfig = z
  .object({
    type: z.literal('oauth-exchange'),
    /** discovered at start (RFC 8414, then OpenID Connect Discovery) */
    issuer: endpoint.optional(),
    /** instead of `issuer`: the endpoints themselves, without discovery */
    token_endpoint: endpoint.optional(),
    revocation_endpoint: endpoint.optional(),
    client_id: z.string().min(1).max(512),
    client_auth: clientAuth,
    /**
     * delegation: RFC 8693 exchange of the human's token (the upstream token is the human's);
     * client_credentials: Tollgate's own client credentials grant (the upstream token is Tollgate's).
     */
    mode: z.enum(['delegation', 'client_credentials']).default('delegation'),
    /** how the human's token is described to the upstream in delegation mode */
    subject_token_type: z.enum([TOKEN_TYPE.jwt, TOKEN_TYPE.accessToken]).default(TOKEN_TYPE.jwt),
    /** seconds to wait for the upstream per call */
    timeout: z.number().positive().max(60).default(5),
  })
  .strict()
  .refine((c) => Boolean(c.issuer) !== Boolean(c.token_endpoint), { message: 'give exactly one of issuer (discovery) or token_endpoint', path: ['issuer'] })
  .refine((c) => !(c.issuer && c.revocation_endpoint), { message: 'with issuer, the revocation endpoint is discovered', path: ['revocation_endpoint'] });

export type OAuthExchangeConfig = z.output<typeof oauthExchangeConfig>;
export type ClientAuthConfig = OAuthExchangeConfig['client_auth'];
