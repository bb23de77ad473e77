import { z } from 'zod';
import { ACTION_CLASSES } from '../model/action-class.ts';
import { parseDuration } from './duration.ts';
import { mcpSection } from './mcp-schema.ts';
import { auditSection } from './audit-schema.ts';
import { consoleSection } from './console-schema.ts';
import { isLoopbackHttp } from '../lib/loopback.ts';
import { ASSERTABLE_CLAIMS } from '../identity/vouched-claims.ts';
import { POSTGRES_URL } from '../lib/postgres-url.ts';

const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const s = parseDuration(v);
    if (s === null) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 90s, 15m, 1h, 1d or seconds' });
      return z.NEVER;
    }
    return s;
  });

const url = z.string().url();

const limits = z
  .object({
    max_body_bytes: z.number().int().min(1024).max(1_048_576).default(65_536),
    max_token_bytes: z.number().int().min(512).max(65_536).default(16_384),
    max_intent_chars: z.number().int().min(0).max(4096).default(512),
    max_task_id_chars: z.number().int().min(1).max(512).default(128),
    max_scopes: z.number().int().min(1).max(64).default(16),
    max_delegation_depth: z.number().int().min(1).max(16).default(3),
    clock_skew: duration.default(60),
    default_ttl: duration.default(900),
    max_ttl: duration.default(3600),
    max_list: z.number().int().min(1).max(10_000).default(500),
    /** oldest Security Event Token (by `iat`, plus clock_skew) POST /v1/signals accepts; its jti is remembered this long */
    max_signal_age: duration.default(300),
  })
  .strict()
  .prefault({});

/** A token bucket: `burst` at once, refilled at `per_minute`; `per_minute: 0` turns the rule off. */
const rate = (per_minute: number, burst: number) =>
  z
    .object({ per_minute: z.number().int().min(0).max(10_000_000).default(per_minute), burst: z.number().int().min(1).max(1_000_000).default(burst) })
    .strict()
    .prefault({});

/** Per-identity quotas by endpoint class (src/quotas/); generous defaults, in memory per node. */
const quotas = z
  .object({
    enabled: z.boolean().default(true),
    /** most buckets kept per rule; the oldest is dropped past it (that key starts a fresh burst) */
    max_keys: z.number().int().min(100).max(10_000_000).default(100_000),
    token: z.object({ agent: rate(1200, 300), principal: rate(1200, 300) }).strict().prefault({}),
    call: z.object({ agent: rate(60_000, 5000), principal: rate(60_000, 5000) }).strict().prefault({}),
    approval: z.object({ agent: rate(30, 10) }).strict().prefault({}),
    /** requests that did not authenticate (401, or an identity token refused), per client address */
    unauthenticated: z.object({ address: rate(300, 100) }).strict().prefault({}),
  })
  .strict()
  .prefault({});

/** Node's HTTP server (src/node/http-limits.ts); on Workers the platform holds connections. */
const connections = z
  .object({
    /** open connections at most; more are closed as they arrive */
    max: z.number().int().min(1).max(1_000_000).default(1024),
    /** the request line and headers must arrive within this (slowloris) */
    headers_timeout: duration.default(10),
    /** the whole request, body included, must arrive within this; the response is not bounded by it */
    request_timeout: duration.default(30),
    /** an idle keep-alive connection is closed after this */
    keep_alive_timeout: duration.default(5),
  })
  .strict()
  .refine((c) => c.headers_timeout >= 1 && c.request_timeout >= 1 && c.keep_alive_timeout >= 1, { message: 'timeouts are at least 1s' })
  .prefault({});

const server = z
  .object({
    issuer: url,
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8787),
    /** audience a Tollgate grant token carries when a resource names none */
    token_audience: z.string().optional(),
    /** subjects (SPIFFE IDs or iss#sub) of workload tokens allowed to call introspection; admins always may */
    introspection_callers: z.array(z.string().min(1)).max(1000).default([]),
    limits,
    connections,
    quotas,
    sweep_interval: duration.default(15),
    job_interval: duration.default(5),
    /** how often stale issuing rows, unfinished revocations (another node's too) and orphans are looked for */
    reconcile_interval: duration.default(60),
    revocation_batch: z.number().int().min(1).max(50_000).default(250),
    /** serve GET /metrics without admin credentials (keep the port private then) */
    metrics_public: z.boolean().default(false),
  })
  .strict();

const store = z
  .object({
    sqlite: z.object({ path: z.string().min(1) }).strict().optional(),
    d1: z.object({ binding: z.string().min(1) }).strict().optional(),
    postgres: z
      .object({
        url: z.string().regex(POSTGRES_URL, 'a postgres:// connection URL'),
        /** the schema Tollgate's tables live in (created if missing); default: the connection's search_path */
        schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').optional(),
        /** connections this node holds at most */
        max_connections: z.number().int().min(1).max(1000).default(10),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => [s.sqlite, s.d1, s.postgres].filter(Boolean).length === 1, {
    message: 'name exactly one of sqlite, d1, postgres',
  });

const jwk = z.record(z.string(), z.unknown());

const signingKey = z
  .object({
    kid: z.string().min(1).max(128),
    alg: z.enum(['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256']).default('ES256'),
    /** private JWK as JSON text (e.g. from ${ENV}); or a file path on Node */
    private_jwk: z.string().optional(),
    private_jwk_file: z.string().optional(),
  })
  .strict()
  .refine((k) => Boolean(k.private_jwk) !== Boolean(k.private_jwk_file), {
    message: 'give exactly one of private_jwk, private_jwk_file',
  });

const signing = z
  .object({
    /** first key signs; the rest stay published in the JWKS until they are removed (rotation) */
    keys: z.array(signingKey).min(1).max(8),
    /** base64 of 32 bytes: seals static secrets at rest (AES-256-GCM) */
    seal_key: z.string().optional(),
  })
  .strict();

const issuerKind = z.enum(['workload', 'human', 'admin', 'signals', 'gateway']);

const trustedIssuer = z
  .object({
    name: z.string().min(1).max(64),
    issuer: z.string().min(1).max(2048),
    kind: issuerKind,
    jwks_uri: url.optional(),
    jwks: z.object({ keys: z.array(jwk).min(1).max(32) }).optional(),
    jwks_file: z.string().optional(),
    audiences: z.array(z.string().min(1)).min(1).max(16),
    algorithms: z
      .array(z.enum(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']))
      .min(1),
    /** the `typ` header this issuer always sets (e.g. "JWT", "at+jwt"); checked when given */
    typ: z.string().optional(),
    /** human issuers: the claims about a person this issuer may vouch for in approvals and signals (default none) */
    asserts: z.array(z.enum(ASSERTABLE_CLAIMS)).max(ASSERTABLE_CLAIMS.length).default([]),
    /** SPIFFE trust domains whose IDs this issuer may assert as `sub` (workload issuers) */
    spiffe_trust_domains: z.array(z.string().min(1)).max(64).optional(),
    /** signals transmitters: the names of the human and workload issuers whose subjects this one may name (default: all) */
    speaks_for: z.array(z.string().min(1)).max(64).optional(),
    /** anchored regular expressions the `sub` must match */
    subject_patterns: z.array(z.string().min(1)).max(64).optional(),
    /** refresh a jwks_uri cache after this long; unknown kid refetches at most once per cooldown */
    jwks_refresh: duration.default(300),
    jwks_cooldown: duration.default(30),
  })
  .strict()
  .refine((i) => [i.jwks_uri, i.jwks, i.jwks_file].filter(Boolean).length === 1, {
    message: 'give exactly one of jwks_uri, jwks, jwks_file',
  });

const trust = z
  .object({
    issuers: z.array(trustedIssuer).min(1).max(64),
    /** sha256 hex digests of bootstrap admin keys; compared in constant time */
    admin_key_hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(16).default([]),
    /** sha256 hex digests of gateway keys (`tgw_…`) for POST /v1/credentials; compared in constant time */
    gateway_key_hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(16).default([]),
  })
  .strict();

const agent = z
  .object({
    /** exact agent id, or a pattern ending in `/*` (any path below) */
    id: z.string().min(1).max(2048),
    owner: z.string().min(1).max(256),
    approvers: z.array(z.string().min(1)).max(64).default([]),
    max_ttl: duration.optional(),
    risk: z.enum(['low', 'medium', 'high']).default('low'),
  })
  .strict();

const provider = z
  .object({ type: z.string().min(1) })
  .passthrough();

const resourceAction = z.record(z.string(), z.unknown());

const resource = z
  .object({
    id: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]*(:[A-Za-z0-9._\/-]+)*$/, 'resource ids are colon-separated words'),
    provider: z.string().min(1),
    classification: z.string().min(1).max(64).default('internal'),
    audience: z.string().optional(),
    /** per action class: the provider's down-scoping for that class (empty object when none) */
    actions: z
      .partialRecord(z.enum(ACTION_CLASSES), resourceAction)
      .refine((a) => Object.keys(a).length > 0, { message: 'a resource needs at least one action' }),
  })
  .strict();

const approvals = z
  .object({
    /** how long a request may wait for its human; never longer than the grant or task it serves */
    ttl: duration.default(900),
    /** `group:NAME` approvers: the humans in each group (iss#sub, an email an issuer that asserts `email` verified, or `<issuer name>:<group>` for that issuer's group) */
    groups: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.array(z.string().min(1).max(320)).max(1000)).default({}),
    /** waiting (pending, unexpired) approvals an agent may have open at once, and per task; past them 429 */
    max_pending_per_agent: z.number().int().min(1).max(100).default(20),
    max_pending_per_task: z.number().int().min(1).max(20).default(5),
    /** told about every approval that starts waiting; the body is signed with `secret` (HMAC-SHA256) */
    webhook: z
      .object({
        url,
        secret: z.string().min(16),
        timeout: duration.default(5),
      })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});

const policy = z
  .object({
    schema_file: z.string().optional(),
    schema: z.string().optional(),
    files: z.array(z.string()).max(256).default([]),
    text: z.string().optional(),
  })
  .strict()
  .refine((p) => Boolean(p.schema) !== Boolean(p.schema_file), { message: 'give exactly one of schema, schema_file' })
  .refine((p) => p.files.length > 0 || Boolean(p.text), { message: 'give policy files or text' });

export const configSchema = z
  .object({
    server,
    store,
    signing,
    trust,
    agents: z.array(agent).max(10_000).default([]),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), provider),
    resources: z.array(resource).max(10_000),
    approvals,
    policy,
    /** MCP servers Tollgate fronts (see mcp-schema.ts) */
    mcp: mcpSection,
    /** audit retention (see audit-schema.ts) */
    audit: auditSection,
    /** the console for people (see console-schema.ts) */
    console: consoleSection,
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.resources.forEach((r, i) => {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['resources', i, 'id'], message: `duplicate resource ${r.id}` });
      ids.add(r.id);
      if (!c.providers[r.provider])
        ctx.addIssue({ code: 'custom', path: ['resources', i, 'provider'], message: `no provider named ${r.provider}` });
    });
    for (const [name, s] of Object.entries(c.mcp.servers)) {
      const r = c.resources.find((x) => x.id === s.resource);
      const at = ['mcp', 'servers', name];
      if (!r) ctx.addIssue({ code: 'custom', path: [...at, 'resource'], message: `no resource ${s.resource} in the catalog` });
      for (const kind of ['tools', 'resources', 'prompts'] as const)
        for (const [k, v] of Object.entries(s[kind]))
          if (r && !(v.action in r.actions)) ctx.addIssue({ code: 'custom', path: [...at, kind, k, 'action'], message: `resource ${r.id} does not offer ${v.action}` });
    }
    const names = new Set<string>();
    c.trust.issuers.forEach((t, i) => {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: ['trust', 'issuers', i, 'name'], message: 'duplicate issuer name' });
      names.add(t.name);
    });
    const oidc = c.console.oidc;
    if (oidc) {
      const t = c.trust.issuers.find((x) => x.name === oidc.issuer);
      if (!t || (t.kind !== 'human' && t.kind !== 'admin')) ctx.addIssue({ code: 'custom', path: ['console', 'oidc', 'issuer'], message: `no human or admin issuer named ${oidc.issuer} in trust.issuers` });
      else if (!t.audiences.includes(oidc.client_id)) ctx.addIssue({ code: 'custom', path: ['console', 'oidc', 'client_id'], message: `issuer ${t.name} must list the client id in its audiences (ID tokens are issued to it)` });
    }
    const dev = c.console.dev_sign_in;
    if (dev) {
      const t = c.trust.issuers.find((x) => x.name === dev.issuer);
      if (t?.kind !== 'human') ctx.addIssue({ code: 'custom', path: ['console', 'dev_sign_in', 'issuer'], message: `no human issuer named ${dev.issuer} in trust.issuers` });
      // A sign-in without a password is for a developer's own machine, never for a served issuer.
      const issuerUrl = URL.parse(c.server.issuer);
      if (!issuerUrl || !isLoopbackHttp(issuerUrl)) ctx.addIssue({ code: 'custom', path: ['console', 'dev_sign_in'], message: 'dev sign-in needs a loopback http issuer (dev mode)' });
    }
    c.trust.issuers.forEach((t, i) => {
      if (t.asserts.length > 0 && t.kind !== 'human') ctx.addIssue({ code: 'custom', path: ['trust', 'issuers', i, 'asserts'], message: 'only human issuers vouch for a person\'s email or groups' });
      if (!t.speaks_for) return;
      if (t.kind !== 'signals') ctx.addIssue({ code: 'custom', path: ['trust', 'issuers', i, 'speaks_for'], message: 'only signals transmitters speak for other issuers' });
      t.speaks_for.forEach((name, j) => {
        const target = c.trust.issuers.find((x) => x.name === name);
        if (!target || (target.kind !== 'human' && target.kind !== 'workload'))
          ctx.addIssue({ code: 'custom', path: ['trust', 'issuers', i, 'speaks_for', j], message: `no human or workload issuer named ${name}` });
      });
    });
  });

export type Config = z.output<typeof configSchema>;
export type TrustedIssuerConfig = Config['trust']['issuers'][number];
export type AgentConfig = Config['agents'][number];
export type ResourceConfig = Config['resources'][number];
export type ProviderConfig = Config['providers'][string];
export type Limits = Config['server']['limits'];
