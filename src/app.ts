import { Hono } from 'hono';
import type { Deps } from './deps.ts';
import type { AppEnv } from './http/env.ts';
import { requestIdFrom } from './lib/request-id.ts';
import { OAuthError } from './lib/oauth-error.ts';
import { RequestMetrics } from './metrics/registry.ts';
import { addressQuota } from './http/address-quota.ts';
import { registerApprovals } from './http/routes/approvals.ts';
import { registerAudit } from './http/routes/audit.ts';
import { registerCredentials } from './http/routes/credentials.ts';
import { registerGrants } from './http/routes/grants.ts';
import { registerHealth, storeHealth } from './http/routes/health.ts';
import { registerIntrospect } from './http/routes/introspect.ts';
import { registerMetrics } from './http/routes/metrics.ts';
import { registerRevocations } from './http/routes/revocations.ts';
import { registerRevoke } from './http/routes/revoke.ts';
import { registerRisk } from './http/routes/risk.ts';
import { registerSignals } from './http/routes/signals.ts';
import { registerTasks } from './http/routes/tasks.ts';
import { registerToken } from './http/routes/token.ts';
import { registerWellKnown } from './http/routes/well-known.ts';
import { registerMcp } from './http/routes/mcp.ts';
import { registerAuthorize } from './http/routes/authorize.ts';
import { registerAuthzen } from './http/routes/authzen.ts';
import { registerFreeze } from './http/routes/freeze.ts';
import { registerBlocks } from './http/routes/blocks.ts';
import { registerConsole } from './console/register-console.ts';
import { registerOpenApi } from './http/routes/openapi.ts';
import { httpErrorOf } from './store/http-error.ts';
import { stampHeaders } from './http/stamp-headers.ts';

/** The whole HTTP surface; every dependency comes in through `deps`, so Node and Workers share it. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const metrics = new RequestMetrics();
  app.use('*', async (c, next) => {
    const start = performance.now();
    const id = requestIdFrom(c.req.raw);
    c.set('requestId', id);
    await next();
    stampHeaders(c, { 'x-request-id': id, 'x-content-type-options': 'nosniff' });
    metrics.observe(c.req.method, routeOf(c.req.matchedRoutes), c.res.status, (performance.now() - start) / 1000);
  });
  app.use('*', addressQuota(deps));
  for (const register of [registerWellKnown, registerToken, registerRevoke, registerIntrospect, registerTasks, registerRevocations, registerFreeze, registerBlocks, registerGrants, registerApprovals, registerAudit, registerSignals, registerRisk, registerCredentials, registerMcp, registerAuthorize, registerAuthzen, registerConsole, registerOpenApi]) {
    register(app, deps);
  }
  const health = storeHealth(deps);
  registerHealth(app, health);
  registerMetrics(app, deps, metrics, health);
  app.notFound(() => new OAuthError('not_found', 'no such endpoint').toResponse());
  app.onError((e, c) => {
    const err = httpErrorOf(e);
    if (err) {
      if (err.status >= 500) deps.log.log('error', err.message, { request_id: c.get('requestId'), cause: describe(err.cause) });
      return err.toResponse();
    }
    // Anything else is a bug: log it, answer without details.
    deps.log.log('error', 'unhandled error', { request_id: c.get('requestId'), cause: describe(e) });
    return new OAuthError('server_error', 'internal error').toResponse();
  });
  return app;
}

function describe(e: unknown): string | undefined {
  return e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 500) : undefined;
}

/** The pattern of the route that answered (not the raw path: bounded label values), or `unmatched`. */
function routeOf(routes: readonly { method: string; path: string }[]): string {
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return 'unmatched';
}
