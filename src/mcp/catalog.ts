import type { Classified, McpServerConfig } from '../config/mcp-schema.ts';

/** What the catalog says of one tool, resource or prompt: its class, or null (unclassified: denied). */
export type Classification = Classified & { name: string };

export type CatalogKind = 'tool' | 'resource' | 'prompt';

/**
 * Looks a name up in a server's catalog. Tools and prompts match exactly; a resource URI matches
 * exactly, or by the longest configured prefix ending in `*` (so `docs://public/*` can be read
 * while `docs://*` is classified otherwise). Nothing matches by default.
 */
export function classify(server: McpServerConfig, kind: CatalogKind, name: string): Classification | null {
  if (kind === 'tool') return own(server.tools, name);
  if (kind === 'prompt') return own(server.prompts, name);
  const exact = own(server.resources, name);
  if (exact) return exact;
  let best: Classification | null = null;
  for (const [pattern, c] of Object.entries(server.resources)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (name.startsWith(prefix) && (!best || prefix.length > best.name.length - 1)) best = { ...c, name: pattern };
  }
  return best;
}

function own(table: Record<string, Classified>, name: string): Classification | null {
  // Object.hasOwn: a tool named "constructor" or "__proto__" is not classified by the prototype.
  return Object.hasOwn(table, name) ? { ...table[name]!, name } : null;
}
