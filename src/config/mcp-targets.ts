import type { Config } from './schema.ts';

/** What an RFC 8707 `resource` naming an MCP server stands for. */
export interface McpTarget {
  server: string;
  /** the catalog resource its grants are for */
  resource: string;
  /** the canonical URI itself: the grant token's `aud` */
  uri: string;
}

/** The canonical URI of MCP server `name`: its configured `url`, else `{issuer}/mcp/{name}`. */
export function mcpServerUri(config: Pick<Config, 'server' | 'mcp'>, name: string): string {
  return config.mcp.servers[name]?.url ?? `${config.server.issuer.replace(/\/+$/, '')}/mcp/${name}`;
}

// A config is immutable once loaded: build its map once.
const built = new WeakMap<object, ReadonlyMap<string, McpTarget>>();

/**
 * Canonical URI → target, for the token endpoint. URIs are compared exactly as configured
 * (RFC 8707 §2: the client sends the URI the server is known by); anything else is no target.
 */
export function mcpTargets(config: Pick<Config, 'server' | 'mcp'>): ReadonlyMap<string, McpTarget> {
  const known = built.get(config);
  if (known) return known;
  const out = new Map<string, McpTarget>();
  for (const [name, s] of Object.entries(config.mcp.servers)) {
    const uri = mcpServerUri(config, name);
    out.set(uri, { server: name, resource: s.resource, uri });
  }
  built.set(config, out);
  return out;
}
