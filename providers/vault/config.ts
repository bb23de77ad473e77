import { z } from 'zod';
import { parseDuration } from '../../src/config/duration.ts';

const mount = z.string().regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'a Vault auth mount path such as approle or team/approle');

const loginAuth = z.discriminatedUnion(
  'method',
  [
    z.object({ method: z.literal('token'), token: z.string().min(1) }).strict(),
    z.object({ method: z.literal('approle'), role_id: z.string().min(1), secret_id: z.string().min(1), mount: mount.default('approle') }).strict(),
    z.object({ method: z.literal('jwt'), role: z.string().min(1), jwt: z.string().min(1), mount: mount.default('jwt') }).strict(),
  ],
  { error: "expected method 'token', 'approle' or 'jwt'" },
);

/** Seconds as a number or a duration such as "90s", "5m", from `min` to `max`. */
function seconds(min: number, max: number) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const s = v === 0 || v === '0' ? 0 : parseDuration(v);
    if (s === null || s < min || s > max) {
      ctx.addIssue({ code: 'custom', message: `expected ${min} to ${max} seconds, e.g. ${Math.max(min, 5)} or "${Math.max(min, 5)}s"` });
      return z.NEVER;
    }
    return s;
  });
}

/** The provider's own section of `providers:`. `timeout` bounds every call to Vault. */
export const vaultConfig = z
  .object({
    type: z.literal('vault'),
    address: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://vault.internal:8200' }),
    namespace: z.string().min(1).max(256).optional(),
    timeout: seconds(1, 60).default(5),
    auth: loginAuth,
  })
  .strict();

export type VaultConfig = z.infer<typeof vaultConfig>;
export type VaultLoginConfig = VaultConfig['auth'];

// Paths under these mounts are Vault's own: reading them through Tollgate could hand out
// Tollgate's token (auth/token/lookup-self answers with it) or its cubbyhole.
const RESERVED = /^(sys|auth|cubbyhole|identity)(\/|$)/;

const vaultPath = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_.@=-]+(\/[A-Za-z0-9_.@=-]+)*$/, 'expected a Vault API path without /v1/, such as database/creds/orders-ro')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'no . or .. segments')
  .refine((p) => !RESERVED.test(p), 'paths under sys/, auth/, cubbyhole/ and identity/ are not handed out (use kind: token for Vault tokens)');

const field = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a field name of the secret, such as password');

const policyName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a Vault policy name')
  .refine((p) => p.toLowerCase() !== 'root', 'the root policy is never handed out');

/**
 * A Vault token carrying exactly `policies`: a child of Tollgate's token, or made through the
 * token role `role` (which decides, e.g., whether tokens are orphans).
 */
export const tokenAction = z
  .object({
    kind: z.literal('token'),
    policies: z.array(policyName).min(1).max(64),
    role: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a token role name').optional(),
    renewable: z.literal(false).optional(),
  })
  .strict();

/** A leased secret read from a secrets engine (database/creds/ROLE, aws/creds/ROLE, …). */
export const dynamicAction = z
  .object({
    kind: z.literal('dynamic'),
    path: vaultPath,
    /** the request parameter through which this engine takes a TTL (e.g. aws/creds: ttl); the grant's remaining lifetime is sent in it */
    ttl_param: z.string().regex(/^[a-z_]{1,64}$/, 'a parameter name such as ttl').optional(),
    /** hand out only this field (as the token); otherwise every field, the token being their JSON */
    field: field.optional(),
    /**
     * How long a lease may outlive its grant (default 0: never). Within it, the lease is handed
     * out with its real expiry and Tollgate revokes it when the grant expires.
     */
    max_overrun: seconds(0, 86_400).default(0),
  })
  .strict();

/** A static secret of a KV mount (v2 by default: `secret/data/NAME`). Nothing to revoke. */
export const kvAction = z
  .object({
    kind: z.literal('kv'),
    path: vaultPath,
    version: z.union([z.literal(1), z.literal(2)]).default(2),
    field: field.optional(),
  })
  .strict()
  .refine((a) => a.version === 1 || /^[^/]+(\/[^/]+)*\/data\/./.test(a.path), {
    path: ['path'],
    message: 'a KV v2 path reads MOUNT/data/NAME (e.g. secret/data/api-key); set version: 1 for a KV v1 mount',
  });

export const vaultAction = z.discriminatedUnion('kind', [tokenAction, dynamicAction, kvAction], {
  error: "expected kind 'token', 'dynamic' or 'kv'",
});

export type TokenAction = z.infer<typeof tokenAction>;
export type DynamicAction = z.infer<typeof dynamicAction>;
export type KvAction = z.infer<typeof kvAction>;
export type VaultAction = z.infer<typeof vaultAction>;
