import { z } from 'zod';
import { parseDuration } from './duration.ts';

const sessionTtl = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === null || s < 60 || s > 43_200) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration from 1m to 12h, such as 30m' });
    return z.NEVER;
  }
  return s;
});

/** An OAuth scope token (RFC 6749 §3.3). */
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope token');

/**
 * The console (`/console`): server-rendered pages for approvers and security teams. People sign
 * in with OpenID Connect (authorization code + PKCE) at `oidc.issuer`, the name of a
 * `trust.issuers` entry of kind `human` or `admin`: its `issuer` is discovered, and its keys,
 * audiences and vouched claims decide who signed in exactly as for API tokens. Admins are the
 * people signed in through an `admin` issuer, those `admins` names (`iss#sub`, a vouched email,
 * `group:NAME` or `<issuer>:<group>`, as approvers are named), and holders of a bootstrap admin key.
 */
export const consoleSection = z
  .object({
    enabled: z.boolean().default(true),
    /** how long a sign-in lasts; there is no refresh: sign in again */
    session_ttl: sessionTtl.default(1800),
    oidc: z
      .object({
        issuer: z.string().min(1).max(64),
        client_id: z.string().min(1).max(256),
        /** a confidential client authenticates with client_secret_basic; without it the client is public (PKCE alone) */
        client_secret: z.string().min(1).max(512).optional(),
        scopes: z.array(scopeToken).min(1).max(16).default(['openid', 'email', 'profile']),
        /** shown on the sign-in button */
        label: z.string().min(1).max(64).default('Sign in with your identity provider'),
      })
      .strict()
      .refine((o) => o.scopes.includes('openid'), { message: 'scopes must include openid', path: ['scopes'] })
      .optional(),
    /** dev mode only (a loopback http issuer): sign in as one of these names at a human issuer, without a password */
    dev_sign_in: z
      .object({
        issuer: z.string().min(1).max(64),
        humans: z.array(z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/)).min(1).max(32),
      })
      .strict()
      .optional(),
    admins: z.array(z.string().min(1).max(320)).max(1000).default([]),
    /** a bootstrap admin key (trust.admin_key_hashes) signs in as an admin: the first sign-in, before OIDC is set up */
    admin_key_sign_in: z.boolean().default(true),
  })
  .strict()
  .prefault({});
