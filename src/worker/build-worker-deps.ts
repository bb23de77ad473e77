import { assembleDeps, grantTokenAudience } from '../assemble-deps.ts';
import type { D1Database, R2Bucket } from '@cloudflare/workers-types';
import type { Config } from '../config/schema.ts';
import { ConfigError, parseConfig } from '../config/parse-config.ts';
import type { Deps } from '../deps.ts';
import { createTrustRegistry } from '../identity/trust-registry.ts';
import { loadKeyring } from '../keys/keyring.ts';
import { importSealKey } from '../keys/seal.ts';
import type { Logger } from '../log.ts';
import { loadPolicies, type CedarModule } from '../policy/engine.ts';
import type { Store } from '../store/store.ts';
import { buildProviders } from '../../providers/build-providers.ts';
import { ProviderError } from '../../providers/provider.ts';
import type { JwksSharedCache } from '../identity/jwks-cache.ts';
import { workerProviderFactories } from './provider-factories.ts';
import { r2Archive } from './r2-archive.ts';
import { StartupError } from './startup-error.ts';

/** What the Worker reads from its environment: the config (a var or a secret) and the bindings it names. */
export interface WorkerEnv {
  /** the YAML config; `${NAME}` in it is replaced by the var or secret NAME */
  TOLLGATE_CONFIG_YAML?: unknown;
  [name: string]: unknown;
}

export interface WorkerEdge {
  cedar: CedarModule;
  log: Logger;
  openStore(db: D1Database): Promise<Store>;
  /** key sets shared by every isolate (absent: each isolate fetches its own) */
  jwksCache?: (env: WorkerEnv, config: Config) => JwksSharedCache | undefined;
  now?: () => number;
}

/**
 * Builds the whole service from the Worker's environment, or throws a StartupError naming what
 * is wrong. Everything is checked here, once per isolate, so a request never meets a half-built
 * service: config, keys, policy, providers (started) and the D1 binding.
 */
export async function buildWorkerDeps(env: WorkerEnv, edge: WorkerEdge): Promise<Deps> {
  const now = edge.now ?? Date.now;
  const log = edge.log;
  const config = readConfig(env);
  const keyring = await loadKeyring(config.signing.keys.map((k) => ({ kid: k.kid, alg: k.alg, privateJwk: parseJwk(k.private_jwk!) }))).catch((e: unknown) => {
    throw new StartupError('signing_key_invalid', `signing.keys: ${e instanceof Error ? e.message : 'invalid key'}`);
  });
  const sealKey = config.signing.seal_key
    ? await importSealKey(config.signing.seal_key).catch(() => {
        throw new StartupError('config_invalid', 'signing.seal_key: expected base64 of 32 bytes');
      })
    : null;
  let policy;
  try {
    policy = loadPolicies(edge.cedar, config.policy.schema!, [{ name: 'policy.text', text: config.policy.text ?? '' }]);
  } catch (e) {
    throw new StartupError('policy_invalid', e instanceof Error ? e.message : 'policy does not load', false, { cause: e });
  }
  const db = env[config.store.d1!.binding];
  if (!isD1(db)) throw new StartupError('binding_missing', `store.d1.binding: no D1 database bound as ${config.store.d1!.binding} (add [[d1_databases]] binding = "${config.store.d1!.binding}" to wrangler.toml)`);
  const store = await edge.openStore(db).catch((e: unknown) => {
    throw new StartupError('store_unavailable', `the D1 database ${config.store.d1!.binding} cannot be opened (${e instanceof Error ? e.message.slice(0, 200) : 'error'})`, true, { cause: e });
  });
  const archiveBinding = config.audit.retention.export_r2_binding;
  const bucket = archiveBinding === undefined ? undefined : env[archiveBinding];
  if (archiveBinding !== undefined && !isR2(bucket))
    throw new StartupError('binding_missing', `audit.retention.export_r2_binding: no R2 bucket bound as ${archiveBinding} (add [[r2_buckets]] binding = "${archiveBinding}" to wrangler.toml)`);
  const audience = grantTokenAudience(config);
  let providers;
  try {
    providers = await buildProviders(config, { keyring, sealKey, issuer: config.server.issuer, grantTokenAudience: audience, log, now }, workerProviderFactories);
  } catch (e) {
    if (e instanceof ProviderError && e.code === 'misconfigured') throw new StartupError('config_invalid', e.message);
    throw new StartupError('provider_unavailable', e instanceof Error ? e.message.slice(0, 300) : 'a provider cannot start', true, { cause: e });
  }
  const shared = edge.jwksCache?.(env, config);
  const trust = createTrustRegistry(config.trust.issuers, {
    now,
    clockSkewSeconds: config.server.limits.clock_skew,
    maxTokenBytes: config.server.limits.max_token_bytes,
    onKeyRefreshError: (e, issuer) => log.log('warn', 'key set refresh failed; the cached keys stay in use', { issuer, code: e.code }),
    ...(shared ? { sharedJwksCache: shared } : {}),
  });
  return assembleDeps({
    config,
    store,
    trust,
    policy,
    keyring,
    providers,
    now,
    log,
    // Set by Cloudflare's edge for every request, and not forgeable by the client.
    clientAddress: (req) => req.headers.get('cf-connecting-ip'),
    ...(archiveBinding !== undefined ? { auditArchive: r2Archive(bucket as R2Bucket, archiveBinding) } : {}),
  });
}

/** The config from TOLLGATE_CONFIG_YAML with ${NAME} from the string vars and secrets; no file references. */
export function readConfig(env: WorkerEnv): Config {
  const text = env.TOLLGATE_CONFIG_YAML;
  if (typeof text !== 'string' || text.trim() === '')
    throw new StartupError('config_missing', 'TOLLGATE_CONFIG_YAML is not set (a [vars] entry or `wrangler secret put TOLLGATE_CONFIG_YAML`; `tollgate worker-config` writes it)');
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'TOLLGATE_CONFIG_YAML'));
  let config: Config;
  try {
    config = parseConfig(text, strings);
  } catch (e) {
    if (e instanceof ConfigError) throw new StartupError('config_invalid', e.message.replace(/\n\s*/g, ' '));
    throw e;
  }
  const files = [
    ...config.trust.issuers.flatMap((iss, i) => (iss.jwks_file ? [`trust.issuers[${i}].jwks_file`] : [])),
    ...config.signing.keys.flatMap((k, i) => (k.private_jwk_file ? [`signing.keys[${i}].private_jwk_file`] : [])),
    ...(config.policy.schema_file ? ['policy.schema_file'] : []),
    ...(config.policy.files.length ? ['policy.files'] : []),
  ];
  if (files.length)
    throw new StartupError('config_invalid', `${files.join(', ')}: a Worker reads no files; inline them (\`tollgate worker-config --config FILE\` does) or use a \${SECRET}`);
  if (!config.policy.schema) throw new StartupError('config_invalid', 'policy.schema: the Cedar schema text is required on Workers');
  if (!config.store.d1) throw new StartupError('config_invalid', 'store: a Worker stores in D1: store: { d1: { binding: DB } }');
  return config;
}

function parseJwk(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below, without the text: it is a private key
  }
  throw new StartupError('signing_key_invalid', 'signing.keys[].private_jwk: not a JSON object (a private JWK)');
}

function isR2(v: unknown): v is R2Bucket {
  const b = v as { put?: unknown; get?: unknown; list?: unknown } | null;
  return typeof b === 'object' && b !== null && typeof b.put === 'function' && typeof b.get === 'function' && typeof b.list === 'function';
}

function isD1(v: unknown): v is D1Database {
  const d = v as { prepare?: unknown; batch?: unknown } | null;
  return typeof d === 'object' && d !== null && typeof d.prepare === 'function' && typeof d.batch === 'function';
}
