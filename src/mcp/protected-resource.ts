import type { McpServerConfig } from '../config/mcp-schema.ts';
import type { ActionClass } from '../model/action-class.ts';

/**
 * RFC 9728 §3.1: the metadata of resource `https://host/path` lives at
 * `https://host/.well-known/oauth-protected-resource/path`.
 */
export function metadataUrl(resourceUri: string): string {
  const u = new URL(resourceUri);
  return `${u.origin}/.well-known/oauth-protected-resource${u.pathname === '/' ? '' : u.pathname}`;
}

/** The Tollgate scope for an action on a server: `resource:action`, as the token endpoint takes it. */
export function scopeFor(server: McpServerConfig, action: ActionClass): string {
  return `${server.resource}:${action}`;
}

/** Every scope a caller of this server can use: one per action class something in its catalog has. */
export function serverScopes(server: McpServerConfig): string[] {
  const used = new Set<ActionClass>();
  for (const table of [server.tools, server.resources, server.prompts]) for (const c of Object.values(table)) used.add(c.action);
  return (['read', 'write', 'delete', 'admin'] as const).filter((a) => used.has(a)).map((a) => scopeFor(server, a));
}

/** RFC 9728 §2 protected resource metadata for one MCP server. */
export function protectedResourceMetadata(server: McpServerConfig, resourceUri: string, issuer: string, name: string): Record<string, unknown> {
  return {
    resource: resourceUri,
    authorization_servers: [issuer],
    scopes_supported: serverScopes(server),
    bearer_methods_supported: ['header'],
    resource_name: `MCP server ${name} (through Tollgate)`,
  };
}

export type ChallengeError = 'invalid_token' | 'insufficient_scope' | null;

/**
 * RFC 6750 §3 / RFC 9728 §5.1 challenge. Every value is ours (no caller text): the metadata URL,
 * scopes from config, and a fixed description, with quotes and backslashes kept out.
 */
export function challenge(resourceUri: string, scope: string, error: ChallengeError, description?: string): string {
  const q = (v: string) => `"${v.replace(/["\\\u0000-\u001f\u007f]/g, '')}"`;
  const parts = [`resource_metadata=${q(metadataUrl(resourceUri))}`];
  if (scope) parts.push(`scope=${q(scope)}`);
  if (error) parts.push(`error=${q(error)}`);
  if (error && description) parts.push(`error_description=${q(description)}`);
  return `Bearer ${parts.join(', ')}`;
}
