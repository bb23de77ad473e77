// Cloudflare Workers entry: the same app as on Node, configured from the environment.
// Cedar's `web` build is initialised with the wasm module Wrangler bundles.
import { initSync } from '@cedar-policy/cedar-wasm/web';
import * as cedar from '@cedar-policy/cedar-wasm/web';
// A relative path, because the package's exports map does not expose the .wasm file.
import cedarWasm from '../../node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm';
import { createApp } from '../app.ts';
import { parseConfig } from '../config/parse-config.ts';
import type { Deps } from '../deps.ts';
import { createAgentRegistry } from '../grants/agent-registry.ts';
import { createTrustRegistry } from '../identity/trust-registry.ts';
import { loadKeyring } from '../keys/keyring.ts';
import { importSealKey } from '../keys/seal.ts';
import { createLogger } from '../log.ts';
import { loadPolicies } from '../policy/engine.ts';
import { buildProviders } from '../../providers/build-providers.ts';
import { GrantTokenProvider } from '../../providers/grant-token.ts';
import { unavailableStore } from './unavailable-store.ts';

export interface WorkerEnv {
  /** the whole YAML config (policy and schema inline as `policy.text` / `policy.schema`) */
  TOLLGATE_CONFIG_YAML: string;
  [name: string]: unknown;
}

let ready: Promise<{ fetch: (req: Request) => Response | Promise<Response> }> | null = null;

async function build(env: WorkerEnv) {
  initSync({ module: cedarWasm });
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const config = parseConfig(env.TOLLGATE_CONFIG_YAML, strings);
  const keyring = await loadKeyring(config.signing.keys.map((k) => ({ kid: k.kid, alg: k.alg, privateJwk: JSON.parse(k.private_jwk ?? 'null') })));
  const sealKey = config.signing.seal_key ? await importSealKey(config.signing.seal_key) : null;
  const audience = config.server.token_audience ?? config.server.issuer;
  const log = createLogger((line) => console.log(line));
  const trust = createTrustRegistry(config.trust.issuers, { clockSkewSeconds: config.server.limits.clock_skew, maxTokenBytes: config.server.limits.max_token_bytes });
  const deps: Deps = {
    config,
    // The D1 store is not built yet: every path that needs the store fails closed with 503.
    store: unavailableStore('the D1 store is not implemented yet'),
    trust,
    policy: loadPolicies(cedar, config.policy.schema ?? '', [{ name: 'policy.text', text: config.policy.text ?? '' }]),
    keyring,
    providers: await buildProviders(config, { keyring, sealKey, issuer: config.server.issuer, grantTokenAudience: audience, log, now: Date.now }),
    grantTokens: new GrantTokenProvider({ name: 'grant-token', keyring, issuer: config.server.issuer, defaultAudience: audience }),
    resources: new Map(config.resources.map((r) => [r.id, r])),
    agents: createAgentRegistry(config.agents),
    now: Date.now,
    log,
  };
  return createApp(deps);
}

export default {
  async fetch(req: Request, env: WorkerEnv): Promise<Response> {
    ready ??= build(env).catch((e: unknown) => {
      ready = null;
      throw e;
    });
    const app = await ready;
    return app.fetch(req);
  },
};
