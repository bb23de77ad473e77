import { nodeSha256 } from './node-sha256.ts';
import { assembleDeps, grantTokenAudience } from '../assemble-deps.ts';
import { sqliteFileSizes } from './store-files.ts';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { Deps } from '../deps.ts';
import { createTrustRegistry } from '../identity/trust-registry.ts';
import { loadKeyring } from '../keys/keyring.ts';
import { importSealKey } from '../keys/seal.ts';
import { createLogger, type Logger } from '../log.ts';
import { loadPolicies } from '../policy/engine.ts';
import type { Store } from '../store/store.ts';
import { buildProviders } from '../../providers/build-providers.ts';
import { fdLogSink } from './log-sink.ts';
import { openConfiguredStore } from './open-store.ts';
import { nodeProviderFactories } from './provider-factories.ts';
import type { LoadedConfig } from './load-config.ts';
import { stdioUpstreams } from './mcp-stdio.ts';
import { configuredArchive } from './configured-archive.ts';

export interface NodeDepsOptions {
  now?: () => number;
  log?: Logger;
  fetch?: typeof fetch;
  /** a store to use instead of the configured one (tests inject failing stores) */
  store?: Store;
}

/** Wires the core for Node: the SQLite or PostgreSQL store, Cedar's Node build, keys from config. Throws on any bad setting. */
export async function buildNodeDeps(loaded: LoadedConfig, opts: NodeDepsOptions = {}): Promise<Deps> {
  const { config } = loaded;
  const now = opts.now ?? Date.now;
  const sink = fdLogSink();
  const log = opts.log ?? createLogger((line) => sink.write(line));
  const keyring = await loadKeyring(
    config.signing.keys.map((k) => ({ kid: k.kid, alg: k.alg, privateJwk: JSON.parse(k.private_jwk!) })),
  );
  const sealKey = config.signing.seal_key ? await importSealKey(config.signing.seal_key) : null;
  const audience = grantTokenAudience(config);
  const providers = await buildProviders(config, { keyring, sealKey, issuer: config.server.issuer, grantTokenAudience: audience, log, now, ...(opts.fetch ? { fetch: opts.fetch } : {}) }, nodeProviderFactories);
  const trust = createTrustRegistry(config.trust.issuers, {
    fetch: opts.fetch,
    now,
    clockSkewSeconds: config.server.limits.clock_skew,
    maxTokenBytes: config.server.limits.max_token_bytes,
    onKeyRefreshError: (e, issuer) => log.log('warn', 'key set refresh failed; the cached keys stay in use', { issuer, code: e.code }),
  });
  await trust.warm();
  const policy = loadPolicies(cedar, loaded.schemaText, loaded.policySources);
  const store = opts.store ?? (await openConfiguredStore(config.store));
  const retention = config.audit.retention;
  const auditArchive = retention.interval !== undefined ? await configuredArchive(retention) : null;
  return assembleDeps({
    config,
    store,
    trust,
    policy,
    keyring,
    providers,
    now,
    log,
    sha256: nodeSha256,
    // The server exports on its own schedule only when one is configured (audit.retention.interval).
    ...(auditArchive ? { auditArchive } : {}),
    ...(config.store.sqlite && !opts.store ? { storeFiles: sqliteFileSizes(config.store.sqlite.path) } : {}),
    clientAddress: socketAddress,
    mcpConnectors: (alive) => [stdioUpstreams({ alive, log: (msg, fields) => log.log('info', msg, fields) })],
    ...(opts.fetch ? { mcpFetch: opts.fetch } : {}),
  });
}

/** @hono/node-server hands the handler `{ incoming, outgoing }` as its env: the peer is the socket's. */
function socketAddress(_req: Request, env: unknown): string | null {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}
