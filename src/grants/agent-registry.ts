import type { AgentConfig } from '../config/schema.ts';

/** The owner policy sees (and grants record) for an agent with no registration. */
export const UNREGISTERED_OWNER = '(unregistered)';

/**
 * The agent registry: exact ids, and patterns ending in `/*` meaning "any path below".
 * The longest matching pattern wins, so a specific registration overrides a broad one.
 */
export interface AgentRegistry {
  lookup(agentId: string): AgentConfig | null;
}

export function createAgentRegistry(agents: AgentConfig[]): AgentRegistry {
  const exact = new Map<string, AgentConfig>();
  const prefixes: { prefix: string; agent: AgentConfig }[] = [];
  for (const a of agents) {
    if (a.id.endsWith('/*')) prefixes.push({ prefix: a.id.slice(0, -1), agent: a });
    else exact.set(a.id, a);
  }
  prefixes.sort((x, y) => y.prefix.length - x.prefix.length);
  return {
    lookup(agentId) {
      const hit = exact.get(agentId);
      if (hit) return hit;
      for (const p of prefixes) if (agentId.startsWith(p.prefix) && agentId.length > p.prefix.length) return p.agent;
      return null;
    },
  };
}
