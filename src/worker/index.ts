// Cloudflare Workers entry: the same app as on Node, built from the Worker's environment (config
// var or secret, secrets, the D1 binding), with the maintenance jobs on a Cron Trigger.
import { initSync } from '@cedar-policy/cedar-wasm/web';
import * as cedar from '@cedar-policy/cedar-wasm/web';
import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { AsyncLocalStorage } from 'node:async_hooks';
// A relative path, because the package's exports map does not expose the .wasm file.
import cedarWasm from '../../node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm';
import { createApp } from '../app.ts';
import { createLogger } from '../log.ts';
import { openD1Store } from '../store/d1/d1-store.ts';
import { buildWorkerDeps, type WorkerEnv } from './build-worker-deps.ts';
import { cacheApiJwks } from './cache-api-jwks.ts';
import { runMaintenance } from './maintenance.ts';
import { StartupError } from './startup-error.ts';

export type { WorkerEnv } from './build-worker-deps.ts';

initSync({ module: cedarWasm });

const log = createLogger((line) => console.log(line));

/** The request being served, so work that outlives it (a mass revocation) is kept alive by its waitUntil. */
const currentRequest = new AsyncLocalStorage<ExecutionContext>();
const background = (work: Promise<unknown>) => currentRequest.getStore()?.waitUntil(work);

type Service = { deps: Awaited<ReturnType<typeof buildWorkerDeps>>; app: ReturnType<typeof createApp> };

/** One service per isolate; a failed start is remembered (config errors) or retried after a pause (upstream down). */
let service: Promise<Service> | null = null;
let failedAt = 0;
const RETRY_AFTER_MS = 5000;

function start(env: WorkerEnv): Promise<Service> {
  if (service && !(failedAt && Date.now() - failedAt > RETRY_AFTER_MS)) return service;
  failedAt = 0;
  service = buildWorkerDeps(env, {
    cedar,
    log,
    openStore: openD1Store,
    jwksCache: (_env, config) => (typeof caches === 'undefined' ? undefined : cacheApiJwks((caches as unknown as { default: Cache }).default, Math.min(...config.trust.issuers.map((i) => i.jwks_refresh)))),
  })
    .then((deps) => {
      deps.background = background;
      return { deps, app: createApp(deps) };
    })
    .catch((e: unknown) => {
      const err = e instanceof StartupError ? e : new StartupError('config_invalid', e instanceof Error ? e.message.slice(0, 300) : 'start failed', false, { cause: e });
      log.log('error', 'tollgate cannot start', { code: err.code, error: err.message, retryable: err.retryable });
      if (err.retryable) failedAt = Date.now();
      throw err;
    });
  return service;
}

export default {
  async fetch(req: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let s: Service;
    try {
      s = await start(env);
    } catch (e) {
      return (e as StartupError).toResponse();
    }
    return currentRequest.run(ctx, () => s.app.fetch(req));
  },

  /** The Cron Trigger: crash reconciliation, the expiry sweep and upstream revocation jobs. */
  async scheduled(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { deps } = await start(env);
    await currentRequest.run(ctx, () => runMaintenance(deps));
  },
};
