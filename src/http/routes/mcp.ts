import type { Deps } from '../../deps.ts';
import type { RegisterRoutes } from '../env.ts';
import { mcpServerUri } from '../../config/mcp-targets.ts';
import { demoUpstreams } from '../../mcp/demo-upstream.ts';
import { httpUpstreams } from '../../mcp/http-upstream.ts';
import { localAuthority } from '../../mcp/local-authority.ts';
import { mcpGateway } from '../../mcp/mcp-gateway.ts';
import { Upstreams } from '../../mcp/upstream.ts';
import { mountMcp } from '../../mcp/mount.ts';

/** The catalog's MCP servers this app serves itself. */
export function mcpServersHere(deps: Deps) {
  return Object.fromEntries(Object.entries(deps.config.mcp.servers).filter(([name, s]) => s.url === undefined || s.url === mcpServerUri({ ...deps.config, mcp: { servers: {} } }, name)));
}

/**
 * The MCP gateway on Tollgate's own app: `/mcp/{server}` and its RFC 9728 metadata, for every
 * catalog server whose canonical URI is here (one configured with the `url` of a gateway that
 * runs apart is served there, not here).
 */
export const registerMcp: RegisterRoutes = (app, deps) => {
  const here = mcpServersHere(deps);
  if (Object.keys(here).length === 0) return;
  const authority = localAuthority(deps);
  const connectors = [...(deps.mcpConnectors?.((g) => authority.alive(g)) ?? []), httpUpstreams({ clientInfo: { name: 'tollgate-gateway', version: '1.0.0' }, ...(deps.mcpFetch ? { fetch: deps.mcpFetch } : {}) }), demoUpstreams()];
  const gateway = mcpGateway({
    servers: here,
    uriOf: (name) => mcpServerUri(deps.config, name),
    authority,
    upstreams: new Upstreams(connectors),
    now: deps.now,
    maxBodyBytes: deps.config.server.limits.max_body_bytes,
  });
  mountMcp(app, gateway, (_req, vars) => vars.get('requestId') as string);
};
